// Tests of the restore write pool (write-pool.ts, write-worker.ts, write-jobs.ts): files written by
// worker threads come out exactly as specified (bytes, mode bits incl. setuid, owner, ns times,
// xattrs, no temp files left), per-job errors stay per job, the inline fallback gives identical
// results, and the pool neither blocks process exit nor survives close().
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeAvailable } from '../../src/ops/restore/native.js';
import { writeJobsSync, type WriteJob } from '../../src/ops/restore/write-jobs.js';
import { WritePool, writeWorkerScript } from '../../src/ops/restore/write-pool.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'salvage-write-pool-'));
  dirs.push(d);
  return d;
}
const pools: WritePool[] = [];
function pool(options?: { threads?: number }): WritePool {
  const p = new WritePool(options);
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** the threaded tests need the compiled worker; say how to get it instead of skipping */
function requireWorker(): void {
  if (!writeWorkerScript()) {
    throw new Error(
      'packages/repo-core/dist/ops/restore/write-worker.js is missing: run `pnpm build` first',
    );
  }
}

const isRoot = process.getuid?.() === 0;
const MODES = [0o4755, 0o600, 0o000, 0o644, 0o2750, 0o1777, 0o755];

/** deterministic pseudo-random bytes, so the two pools of a comparison get the same input */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

interface Spec {
  /** relative to the test directory; may hold bytes that are not UTF-8 */
  name: Buffer;
  content: Buffer;
  mode: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  xattr?: Buffer;
  owner?: [number, number];
}

function specs(n: number): Spec[] {
  const r = rng(42);
  const out: Spec[] = [];
  for (let i = 0; i < n; i++) {
    const size = i % 50 === 0 ? 0 : 1 + (r() % (16 * 1024));
    const content = Buffer.alloc(size);
    for (let j = 0; j < size; j++) content[j] = r() & 0xff;
    const dir = `d${i % 5}`;
    const name =
      i % 97 === 3
        ? Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe, 0x61 + (i % 26)])])
        : Buffer.from(`${dir}/f${i}.bin`);
    out.push({
      name,
      content,
      mode: MODES[i % MODES.length]!,
      // before and after 1970, with every nanosecond digit in use
      atimeNs: BigInt(r() % 2_000_000_000) * 1_000_000_000n + BigInt(r() % 1_000_000_000),
      mtimeNs:
        (i % 11 === 0 ? -1n : 1n) * BigInt(r() % 2_000_000_000) * 1_000_000_000n +
        BigInt(r() % 1_000_000_000),
      xattr: i % 3 === 0 ? Buffer.from(`value ${i} \u00e9`) : undefined,
      owner: i % 4 === 1 ? [1000 + i, 2000 + i] : undefined,
    });
  }
  return out;
}

/** batches: jobs plus one buffer with every job's bytes; paths and xattrs are small views */
function batches(root: string, all: Spec[], count: number): { jobs: WriteJob[]; data: Buffer }[] {
  const arena = Buffer.alloc(64 * 1024); // xattr values are views into one big buffer
  let at = 0;
  const out: { jobs: WriteJob[]; data: Buffer }[] = [];
  const per = Math.ceil(all.length / count);
  for (let b = 0; b < all.length; b += per) {
    const part = all.slice(b, b + per);
    const data = Buffer.alloc(part.reduce((n, s) => n + s.content.length, 0));
    let offset = 0;
    const jobs = part.map((s): WriteJob => {
      s.content.copy(data, offset);
      const final = Buffer.concat([Buffer.from(root + '/'), s.name]);
      const job: WriteJob = {
        tmp: Buffer.concat([final, Buffer.from('.tmp')]),
        final,
        offset,
        length: s.content.length,
        mode: s.mode,
        atimeNs: s.atimeNs,
        mtimeNs: s.mtimeNs,
        xattrs: [],
      };
      offset += s.content.length;
      if (s.xattr) {
        s.xattr.copy(arena, at);
        job.xattrs.push({ name: 'user.salvage', value: arena.subarray(at, at + s.xattr.length) });
        at += s.xattr.length;
      }
      if (s.owner) [job.uid, job.gid] = s.owner;
      return job;
    });
    out.push({ jobs, data });
  }
  return out;
}

function mkdirs(root: string): void {
  for (let d = 0; d < 5; d++) mkdirSync(join(root, `d${d}`), { recursive: true });
}

/** every entry under root, by name bytes (hex), so the trees of two runs compare */
function listTree(root: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync(root).sort()) {
    for (const name of readdirSync(join(root, d), { encoding: 'buffer' })) {
      out.push(`${d}/${name.toString('hex')}`);
    }
  }
  return out.sort();
}

/** user.salvage of each path, read with Python (Node has no getxattr); null when absent */
function readXattrs(paths: Buffer[]): (string | null)[] {
  const script = [
    'import os, sys, json',
    'out = []',
    'for p in json.load(sys.stdin):',
    '    try: out.append(os.getxattr(bytes.fromhex(p), "user.salvage").hex())',
    '    except OSError: out.append(None)',
    'print(json.dumps(out))',
  ].join('\n');
  const input = JSON.stringify(paths.map((p) => p.toString('hex')));
  const hex = JSON.parse(execFileSync('python3', ['-c', script], { input }).toString()) as (
    | string
    | null
  )[];
  return hex.map((h) => (h === null ? null : Buffer.from(h, 'hex').toString()));
}

/** checks each file against its spec; times before contents (reading may move atime) */
function checkTree(root: string, all: Spec[], native: boolean): void {
  const names = all.map((s) => {
    const slash = s.name.indexOf('/');
    return `${s.name.subarray(0, slash).toString()}/${s.name.subarray(slash + 1).toString('hex')}`;
  });
  expect(listTree(root)).toEqual(names.sort());
  for (const s of all) {
    const path = Buffer.concat([Buffer.from(root + '/'), s.name]);
    const st = lstatSync(path, { bigint: true });
    expect(Number(st.mode & 0o7777n)).toBe(s.mode);
    if (native) {
      expect(st.atimeNs).toBe(s.atimeNs);
      expect(st.mtimeNs).toBe(s.mtimeNs);
    } else {
      expect(Number(st.atimeNs - s.atimeNs)).toBeLessThanOrEqual(1000);
      expect(Number(st.atimeNs - s.atimeNs)).toBeGreaterThanOrEqual(-1000);
      expect(Number(st.mtimeNs - s.mtimeNs)).toBeLessThanOrEqual(1000);
      expect(Number(st.mtimeNs - s.mtimeNs)).toBeGreaterThanOrEqual(-1000);
    }
    if (isRoot && s.owner) expect([Number(st.uid), Number(st.gid)]).toEqual(s.owner);
    expect(readFileSync(path).equals(s.content)).toBe(true);
  }
  if (native) {
    const paths = all.map((s) => Buffer.concat([Buffer.from(root + '/'), s.name]));
    expect(readXattrs(paths)).toEqual(all.map((s) => s.xattr?.toString() ?? null));
  }
}

/** runs `count` batches of `all` at once through `p` and returns the flattened results */
async function writeAll(p: WritePool, root: string, all: Spec[], count: number) {
  mkdirs(root);
  const results = await Promise.all(
    batches(root, all, count).map(({ jobs, data }) => p.write(jobs, data)),
  );
  return results.flat();
}

describe('WritePool', () => {
  it('writes 500 files in 3 concurrent batches on worker threads', async () => {
    requireWorker();
    const p = pool();
    expect(p.threaded).toBe(true);
    const root = tmp();
    const all = specs(500);
    const results = await writeAll(p, root, all, 3);
    expect(results.filter((r) => r.error)).toEqual([]);
    // owners: set as root; a warning, not an error, otherwise
    const warned = results.filter((r) => r.warnings.length > 0).length;
    expect(warned).toBe(isRoot ? 0 : all.filter((s) => s.owner).length);
    checkTree(root, all, nativeAvailable());
  });

  it('transfers a batch buffer it owns whole, and copies a view of a bigger one', async () => {
    requireWorker();
    const p = pool({ threads: 1 });
    const root = tmp();
    const job = (name: string, offset: number): WriteJob => ({
      tmp: Buffer.from(join(root, `${name}.tmp`)),
      final: Buffer.from(join(root, name)),
      offset,
      length: 3,
      mode: 0o644,
      atimeNs: 0n,
      mtimeNs: 0n,
      xattrs: [],
    });
    const owned = new Uint8Array([1, 2, 3]);
    await p.write([job('a', 0)], owned);
    expect(owned.byteLength).toBe(0); // detached: moved to the worker, not cloned
    const big = new Uint8Array(1 << 20).fill(9);
    const view = big.subarray(100, 106);
    await p.write([job('b', 3)], view);
    expect(big.byteLength).toBe(1 << 20);
    expect([...readFileSync(join(root, 'a'))]).toEqual([1, 2, 3]);
    expect([...readFileSync(join(root, 'b'))]).toEqual([9, 9, 9]);
  });

  it('gives the same results inline (threads: 0) as on worker threads', async () => {
    requireWorker();
    const all = specs(120);
    const inline = pool({ threads: 0 });
    expect(inline.threaded).toBe(false);
    const a = tmp();
    const b = tmp();
    const ra = await writeAll(inline, a, all, 2);
    const rb = await writeAll(pool({ threads: 2 }), b, all, 2);
    expect(ra).toEqual(rb);
    checkTree(a, all, nativeAvailable());
    checkTree(b, all, nativeAvailable());
  });

  for (const threads of [2, 0]) {
    it(`keeps a job's error to that job (${threads ? 'threaded' : 'inline'})`, async () => {
      if (threads) requireWorker();
      const p = pool({ threads });
      const root = tmp();
      writeFileSync(join(root, 'taken.tmp'), 'someone else');
      const job = (tmpName: string, finalName: string, offset: number): WriteJob => ({
        tmp: Buffer.from(join(root, tmpName)),
        final: Buffer.from(join(root, finalName)),
        offset,
        length: 2,
        mode: 0o640,
        atimeNs: 5n,
        mtimeNs: 7n,
        xattrs: [],
      });
      const results = await p.write(
        [
          job('ok1.tmp', 'ok1', 0),
          job('lost.tmp', 'missing-dir/lost', 2),
          job('taken.tmp', 'taken', 4),
          job('ok2.tmp', 'ok2', 6),
        ],
        Buffer.from('aabbccdd'),
      );
      expect(results.map((r) => r.error?.code)).toEqual([undefined, 'ENOENT', 'EEXIST', undefined]);
      expect(results[1]!.error!.message).toMatch(/rename/);
      expect(readFileSync(join(root, 'ok1'), 'utf8')).toBe('aa');
      expect(readFileSync(join(root, 'ok2'), 'utf8')).toBe('dd');
      expect(readFileSync(join(root, 'taken.tmp'), 'utf8')).toBe('someone else');
      expect(readdirSync(root).sort()).toEqual(['ok1', 'ok2', 'taken.tmp']);
    });
  }

  it('without the native helper: microsecond times, xattrs become warnings', () => {
    const root = tmp();
    const [r] = writeJobsSync(
      [
        {
          tmp: Buffer.from(join(root, 'x.tmp')),
          final: Buffer.from(join(root, 'x')),
          offset: 0,
          length: 1,
          mode: 0o600,
          atimeNs: 1_600_000_000_123_456_789n,
          mtimeNs: -1_234_567_891n,
          xattrs: [{ name: 'user.a', value: Buffer.from('v') }],
        },
      ],
      Buffer.from('x'),
      null,
    );
    expect(r).toEqual({
      warnings: ['cannot set xattr user.a: xattrs need the native helper (native/build.sh)'],
    });
    const st = lstatSync(join(root, 'x'), { bigint: true });
    expect(Number(st.atimeNs - 1_600_000_000_123_456_789n)).toBeLessThanOrEqual(1000);
    expect(Number(st.atimeNs - 1_600_000_000_123_456_789n)).toBeGreaterThanOrEqual(-1000);
    expect(Number(st.mtimeNs - -1_234_567_891n)).toBeLessThanOrEqual(1000);
    expect(Number(st.mtimeNs - -1_234_567_891n)).toBeGreaterThanOrEqual(-1000);
  });

  it('honours SALVAGE_NO_NATIVE=1 in the workers too', async () => {
    requireWorker();
    const saved = process.env.SALVAGE_NO_NATIVE;
    process.env.SALVAGE_NO_NATIVE = '1';
    try {
      const p = pool({ threads: 1 });
      const root = tmp();
      const all = specs(60);
      const results = await writeAll(p, root, all, 2); // workers start now, with this env
      expect(results.map((r) => r.warnings.filter((w) => w.includes('xattr')))).toEqual(
        all.map((s) =>
          s.xattr
            ? ['cannot set xattr user.salvage: xattrs need the native helper (native/build.sh)']
            : [],
        ),
      );
      checkTree(root, all, false);
    } finally {
      if (saved === undefined) delete process.env.SALVAGE_NO_NATIVE;
      else process.env.SALVAGE_NO_NATIVE = saved;
    }
  });

  it('rejects the batches of a worker that dies, and replaces it', async () => {
    requireWorker();
    const p = pool({ threads: 1 });
    const root = tmp();
    const all = specs(20);
    const [first] = batches(root, all, 1);
    mkdirs(root);
    const pending = p.write(first!.jobs, first!.data);
    // the worker has not even started: kill it the way a crash would end it
    const slots = (p as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
    await slots[0]!.worker.terminate();
    await expect(pending).rejects.toThrow(/worker exited unexpectedly.*may be partly written/);
    rmSync(root, { recursive: true });
    const [again] = batches(root, all, 1);
    mkdirs(root);
    const results = await p.write(again!.jobs, again!.data);
    expect(results.filter((r) => r.error)).toEqual([]);
    checkTree(root, all, nativeAvailable());
  });

  it('close() is idempotent; write after close() rejects', async () => {
    requireWorker();
    const p = new WritePool();
    const root = tmp();
    await p.write(
      [
        {
          tmp: Buffer.from(join(root, 'a.tmp')),
          final: Buffer.from(join(root, 'a')),
          offset: 0,
          length: 0,
          mode: 0o644,
          atimeNs: 0n,
          mtimeNs: 0n,
          xattrs: [],
        },
      ],
      new Uint8Array(0),
    );
    await Promise.all([p.close(), p.close()]);
    await p.close();
    await expect(p.write([], new Uint8Array(0))).rejects.toThrow(/after close/);
    expect(existsSync(join(root, 'a'))).toBe(true);
  });

  it('does not keep the process alive without close()', () => {
    requireWorker();
    const root = tmp();
    const dist = fileURLToPath(new URL('../../dist/ops/restore/write-pool.js', import.meta.url));
    const script = `
      import { WritePool } from ${JSON.stringify(dist)};
      const pool = new WritePool({ threads: 2 });
      const jobs = [0, 1, 2].map((i) => ({
        tmp: Buffer.from(${JSON.stringify(root)} + '/f' + i + '.tmp'),
        final: Buffer.from(${JSON.stringify(root)} + '/f' + i),
        offset: i, length: 1, mode: 0o644, atimeNs: 0n, mtimeNs: 0n, xattrs: [],
      }));
      const results = await Promise.all([pool.write(jobs, Buffer.from('abc')), pool.write([], Buffer.alloc(0))]);
      console.log(pool.threaded, JSON.stringify(results[0]));
    `;
    const started = Date.now();
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 30_000,
    }).toString();
    expect(out.trim()).toBe('true [{"warnings":[]},{"warnings":[]},{"warnings":[]}]');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(readFileSync(join(root, 'f2'), 'utf8')).toBe('c');
  });
});
