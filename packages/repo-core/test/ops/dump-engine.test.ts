// dump sinks on an in-memory tree, extracted with the system tar and unzip.
import { execFileSync } from 'node:child_process';
import {
  createWriteStream,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dumpArchive, type ArchiveFormat } from '../../src/ops/dump/dump.js';
import { MemoryRepo } from './memory-repo.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'salvage-dump-'));
  dirs.push(d);
  return d;
}

const longName = 'n'.repeat(120);
const repo = new MemoryRepo([
  { name: 'a.txt', content: 'hello', mode: 0o640, mtimeNs: 1_700_000_000_123_456_789n },
  {
    name: 'd',
    children: [
      { name: longName, content: 'long' },
      { name: 'ü.txt', content: 'u' },
    ],
  },
  { name: new Uint8Array([0x62, 0xff, 0x2e, 0x74]), content: 'bad utf8' },
  { name: 'l', type: 'symlink', target: 'a.txt' },
  { name: 'h1', content: 'same', hardlinkKey: 'k' },
  { name: 'h2', content: 'same', hardlinkKey: 'k' },
]);

async function dumpTo(format: ArchiveFormat): Promise<string> {
  const dir = tmp();
  const file = join(dir, `out.${format}`);
  const out = createWriteStream(file);
  await dumpArchive(repo, [{ entry: repo.root, name: Buffer.from('snap') }], out, { format });
  return file;
}

describe('dump archives', () => {
  it.each(['tar', 'tar.gz'] as const)(
    '%s extracts with system tar to the same tree',
    async (format) => {
      const file = await dumpTo(format);
      const x = tmp();
      execFileSync('tar', ['-x', '-f', file, '-C', x]);
      const root = join(x, 'snap');
      expect(readFileSync(join(root, 'a.txt'), 'utf8')).toBe('hello');
      expect(statSync(join(root, 'a.txt')).mode & 0o777).toBe(0o640);
      expect(statSync(join(root, 'a.txt'), { bigint: true }).mtimeNs).toBe(
        1_700_000_000_123_456_789n,
      );
      expect(readFileSync(join(root, 'd', longName), 'utf8')).toBe('long');
      expect(readFileSync(join(root, 'd', 'ü.txt'), 'utf8')).toBe('u');
      const names = readdirSync(Buffer.from(root), { encoding: 'buffer' }).map((b) =>
        b.toString('hex'),
      );
      expect(names).toContain(Buffer.from([0x62, 0xff, 0x2e, 0x74]).toString('hex'));
      expect(readlinkSync(join(root, 'l'))).toBe('a.txt');
      expect(statSync(join(root, 'h1')).ino).toBe(statSync(join(root, 'h2')).ino);
    },
  );

  it('zip extracts with unzip', async () => {
    const file = await dumpTo('zip');
    const x = tmp();
    execFileSync('unzip', ['-q', file, '-d', x]);
    const root = join(x, 'snap');
    expect(readFileSync(join(root, 'a.txt'), 'utf8')).toBe('hello');
    expect(readFileSync(join(root, 'd', longName), 'utf8')).toBe('long');
    expect(readFileSync(join(root, 'h2'), 'utf8')).toBe('same');
    expect(lstatSync(join(root, 'l')).isSymbolicLink()).toBe(true);
  });
});
