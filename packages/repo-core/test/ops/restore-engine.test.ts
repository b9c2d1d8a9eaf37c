// Unit tests of the restore engine on an in-memory repository: path safety against hostile
// names, overwrite modes, dry-run, delete, sparse, verify, resume. The same engine is tested on
// real restic/kopia repositories in test/ops/.
import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PartialFailureError } from '../../src/errors.js';
import { nativeAvailable } from '../../src/ops/restore/native.js';
import { restore, type RestoreSummary } from '../../src/ops/restore/restore.js';
import { MemoryRepo } from './memory-repo.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'salvage-restore-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function partial(p: Promise<RestoreSummary>): Promise<RestoreSummary> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PartialFailureError);
    return (e as PartialFailureError).data.summary as RestoreSummary;
  }
  throw new Error('expected a PartialFailureError');
}

const big = Buffer.alloc(300 * 1024);
for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;

describe('restore engine', () => {
  it('uses the native helper (nanosecond times)', () => {
    expect(nativeAvailable()).toBe(true);
  });

  it('restores files, dirs, symlinks, fifos, hardlinks with metadata', async () => {
    const repo = new MemoryRepo([
      { name: 'a.txt', content: 'hello', mode: 0o640, mtimeNs: 1_700_000_000_987_654_321n },
      {
        name: 'd',
        mode: 0o750,
        mtimeNs: 1_500_000_000_000_000_001n,
        children: [{ name: 'big.bin', content: big }],
      },
      { name: 'link', type: 'symlink', target: '/nonexistent/dangling' },
      { name: 'pipe', type: 'fifo', mode: 0o600 },
      { name: 'h1', content: 'same', hardlinkKey: 'k' },
      { name: 'h2', content: 'same', hardlinkKey: 'k' },
    ]);
    const t = tmp();
    const s = await restore(repo, repo.root, { target: t, rangeSize: 64 * 1024 });
    expect(readFileSync(join(t, 'a.txt'), 'utf8')).toBe('hello');
    expect(statSync(join(t, 'a.txt')).mode & 0o7777).toBe(0o640);
    expect(statSync(join(t, 'a.txt'), { bigint: true }).mtimeNs).toBe(1_700_000_000_987_654_321n);
    expect(readFileSync(join(t, 'd/big.bin')).equals(big)).toBe(true);
    expect(statSync(join(t, 'd')).mode & 0o7777).toBe(0o750);
    expect(statSync(join(t, 'd'), { bigint: true }).mtimeNs).toBe(1_500_000_000_000_000_001n);
    expect(readlinkSync(join(t, 'link'))).toBe('/nonexistent/dangling');
    expect(lstatSync(join(t, 'pipe')).isFIFO()).toBe(true);
    expect(statSync(join(t, 'h1')).ino).toBe(statSync(join(t, 'h2')).ino);
    expect(s.hardlinks).toBe(1);
    expect(readdirSync(t).filter((n) => n.includes('.part'))).toEqual([]);
  });

  it('refuses hostile names and never writes outside the target', async () => {
    const outside = tmp();
    const repo = new MemoryRepo([
      { name: '../escape', content: 'x' },
      { name: '/abs', content: 'x' },
      { name: '..', content: 'x' },
      { name: '', content: 'x' },
      { name: new Uint8Array([0x61, 0, 0x62]), content: 'x' },
      { name: 'd', type: 'symlink', target: outside },
      { name: 'd', children: [{ name: 'x', content: 'pwned' }] },
      { name: 'ok', content: 'fine' },
    ]);
    const t = tmp();
    const s = await partial(restore(repo, repo.root, { target: t }));
    expect(s.refused.map((r) => r.message).sort()).toEqual([
      'refused: absolute name',
      'refused: duplicate name in one directory',
      'refused: empty name',
      'refused: name contains "/"',
      'refused: name contains a NUL byte',
      'refused: name is ".."',
    ]);
    expect(readdirSync(outside)).toEqual([]);
    expect(readFileSync(join(t, 'ok'), 'utf8')).toBe('fine');
    expect(lstatSync(join(t, 'd')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(t, '..', 'escape'))).toBe(false);
  });

  it('does not follow a symlink already in the target when creating a directory', async () => {
    const outside = tmp();
    const t = tmp();
    symlinkSync(outside, join(t, 'd'));
    const repo = new MemoryRepo([{ name: 'd', children: [{ name: 'x', content: 'data' }] }]);
    await restore(repo, repo.root, { target: t });
    expect(readdirSync(outside)).toEqual([]);
    expect(lstatSync(join(t, 'd')).isDirectory()).toBe(true);
    expect(readFileSync(join(t, 'd/x'), 'utf8')).toBe('data');
  });

  it('overwrite modes: always, if-newer, never; existing matching content is kept', async () => {
    const repo = new MemoryRepo([
      { name: 'f', content: 'new', mtimeNs: 2_000_000_000_000_000_000n },
      { name: 'g', content: 'same', mtimeNs: 1_000_000_000_000_000_000n },
    ]);
    const setup = (): string => {
      const t = tmp();
      writeFileSync(join(t, 'f'), 'old');
      writeFileSync(join(t, 'g'), 'same');
      return t;
    };
    let t = setup();
    let s = await restore(repo, repo.root, { target: t, overwrite: 'never' });
    expect(readFileSync(join(t, 'f'), 'utf8')).toBe('old');
    expect(s.filesSkipped).toBe(2);
    t = setup();
    s = await restore(repo, repo.root, { target: t, overwrite: 'if-newer' });
    expect(readFileSync(join(t, 'f'), 'utf8')).toBe('new');
    expect(s.filesSkipped).toBe(1); // g is older in the snapshot than on disk
    t = setup();
    repo.reads = 0;
    s = await restore(repo, repo.root, { target: t });
    expect(readFileSync(join(t, 'f'), 'utf8')).toBe('new');
    expect(s.filesUpdated).toBe(1);
    expect(s.filesUnchanged).toBe(1);
    expect(repo.reads).toBe(1);
    expect(statSync(join(t, 'g'), { bigint: true }).mtimeNs).toBe(1_000_000_000_000_000_000n);
  });

  it('dry-run writes nothing and reports the plan; delete removes extras', async () => {
    const repo = new MemoryRepo([
      { name: 'keep', content: 'k' },
      { name: 'sub', children: [{ name: 'y', content: 'y' }] },
    ]);
    const t = tmp();
    writeFileSync(join(t, 'extra'), 'e');
    mkdirSync(join(t, 'sub'));
    writeFileSync(join(t, 'sub/extra2'), 'e');
    const events: string[] = [];
    const s = await restore(repo, repo.root, {
      target: t,
      dryRun: true,
      delete: true,
      onProgress: (e) => {
        if (e.type === 'file') events.push(`${e.action} ${e.location}`);
      },
    });
    expect(s.deleted).toBe(2);
    expect(events.sort()).toEqual([
      'deleted /extra',
      'deleted /sub/extra2',
      'restored /keep',
      'restored /sub/y',
    ]);
    expect(readdirSync(t).sort()).toEqual(['extra', 'sub']);
    await restore(repo, repo.root, { target: t, delete: true });
    expect(readdirSync(t).sort()).toEqual(['keep', 'sub']);
    expect(readdirSync(join(t, 'sub'))).toEqual(['y']);
  });

  it('writes zero blocks as holes with sparse', async () => {
    const data = Buffer.alloc(4 * 1024 * 1024);
    data.write('tail', data.length - 4);
    const repo = new MemoryRepo([{ name: 'sparse.bin', content: data }]);
    const t = tmp();
    await restore(repo, repo.root, { target: t, sparse: true });
    const st = statSync(join(t, 'sparse.bin'));
    expect(st.size).toBe(data.length);
    expect(st.blocks * 512).toBeLessThan(64 * 1024);
    expect(readFileSync(join(t, 'sparse.bin')).equals(data)).toBe(true);
  });

  it('verify re-reads and checks restored files', async () => {
    const repo = new MemoryRepo([{ name: 'a', content: big }]);
    const t = tmp();
    const s = await restore(repo, repo.root, { target: t, verify: true });
    expect(s.verified).toBe(1);
  });

  it('asks the repository to prepare reads once the files met reach 16 MiB, not before', async () => {
    const small = new MemoryRepo([
      { name: 'a', content: big },
      { name: 'b', content: big },
    ]);
    await restore(small, small.root, { target: tmp() });
    expect(small.prepared).toBe(0);
    const six = Buffer.alloc(6 << 20, 1);
    const spec = ['a', 'b', 'c', 'd'].map((name) => ({ name, content: six }));
    const dry = new MemoryRepo(spec);
    await restore(dry, dry.root, { target: tmp(), dryRun: true });
    expect(dry.prepared).toBe(0);
    const large = new MemoryRepo(spec);
    const t = tmp();
    await restore(large, large.root, { target: t });
    expect(large.prepared).toBe(1);
    expect(readFileSync(join(t, 'd')).equals(six)).toBe(true);
  });

  it('resumes after a failure: complete files and fetched chunks are not read again', async () => {
    const repo = new MemoryRepo([
      { name: 'a', content: big },
      { name: 'b', content: Buffer.from(big).reverse() },
    ]);
    const t = tmp();
    repo.failAfter = 7; // a: 5 chunks, b: fails after 2 of its 5
    await partial(
      restore(repo, repo.root, {
        target: t,
        concurrency: 1,
        rangeSize: 64 * 1024,
        rangeConcurrency: 1,
      }),
    );
    expect(existsSync(join(t, 'a'))).toBe(true);
    expect(existsSync(join(t, 'b'))).toBe(false);
    repo.failAfter = Infinity;
    repo.reads = 0;
    const s = await restore(repo, repo.root, { target: t, rangeSize: 64 * 1024 });
    expect(s.filesUnchanged).toBe(1);
    expect(repo.reads).toBe(3);
    expect(readFileSync(join(t, 'b')).equals(Buffer.from(big).reverse())).toBe(true);
  });

  it('include restores a file below unselected directories, creating them', async () => {
    const repo = new MemoryRepo([
      {
        name: 'x',
        children: [
          {
            name: 'y',
            children: [
              { name: 'want.txt', content: 'w' },
              { name: 'no', content: 'n' },
            ],
          },
        ],
      },
      { name: 'other', content: 'o' },
    ]);
    const t = tmp();
    await restore(repo, repo.root, { target: t, filter: { include: ['/x/y/want.txt'] } });
    expect(readdirSync(t)).toEqual(['x']);
    expect(readdirSync(join(t, 'x/y'))).toEqual(['want.txt']);
  });
});
