// Tests of the restore write pool (write-pool.ts, write-jobs.ts, write-worker.ts, the batch writer
// in native/posix.c). Every behaviour runs through all three ways a pool writes: the native batch
// writer (libuv threadpool), JS worker threads, and inline on the main thread. Files come out
// exactly as specified (bytes, mode bits incl. setuid, owner, ns times, xattrs, holes, no temp
// files left), per-job errors and warnings stay per job and are the same on every path, a temp
// name that exists (file or planted symlink) is never written through, and the pool neither
// blocks process exit nor survives close(). The native path fails loudly when the helper that
// scripts/setup.sh builds is missing: it is never skipped.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeAvailable, posixAddon } from '../../src/ops/restore/native.js';
import {
  writeJobsSync,
  type WriteJob,
  type WriteResult,
} from '../../src/ops/restore/write-jobs.js';
import { WritePool, writeWorkerScript, type WriteVia } from '../../src/ops/restore/write-pool.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'salvage-write-pool-'));
  dirs.push(d);
  return d;
}
const pools: WritePool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** the worker tests need the compiled worker; say how to get it instead of skipping */
function requireWorker(): void {
  if (!writeWorkerScript()) {
    throw new Error(
      'packages/repo-core/dist/ops/restore/write-worker.js is missing: run `pnpm build` first',
    );
  }
}

const VIAS: WriteVia[] = ['native', 'workers', 'inline'];

/** a pool that writes `via` that way, or throws (native: when the helper is not built) */
function pool(via: WriteVia): WritePool {
  if (via === 'workers') requireWorker();
  const p = new WritePool(
    via === 'native' ? { native: true } : { native: false, threads: via === 'workers' ? 2 : 0 },
  );
  pools.push(p);
  expect(p.via).toBe(via);
  return p;
}

const isRoot = process.getuid?.() === 0;
const MODES = [0o4755, 0o600, 0o000, 0o644, 0o2750, 0o1777, 0o755];

/** deterministic pseudo-random bytes, so the runs of a comparison get the same input */
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

/**
 * groups of jobs; half the files' bytes and every xattr value are small views into big shared
 * buffers (as decoded blobs are), the other half own their buffer
 */
function groups(root: string, all: Spec[], count: number): WriteJob[][] {
  const arena = Buffer.alloc(64 * 1024);
  let at = 0;
  const out: WriteJob[][] = [];
  const per = Math.ceil(all.length / count);
  for (let b = 0; b < all.length; b += per) {
    const part = all.slice(b, b + per);
    const shared = Buffer.alloc(part.reduce((n, s) => n + s.content.length, 0) + 7);
    let offset = 7;
    out.push(
      part.map((s, i): WriteJob => {
        let data: Uint8Array = Buffer.from(s.content);
        if (i % 2 === 0) {
          s.content.copy(shared, offset);
          data = shared.subarray(offset, offset + s.content.length);
          offset += s.content.length;
        }
        const final = Buffer.concat([Buffer.from(root + '/'), s.name]);
        const job: WriteJob = {
          tmp: Buffer.concat([final, Buffer.from('.tmp')]),
          final,
          data,
          mode: s.mode,
          atimeNs: s.atimeNs,
          mtimeNs: s.mtimeNs,
          xattrs: [],
        };
        if (s.xattr) {
          s.xattr.copy(arena, at);
          job.xattrs.push({ name: 'user.salvage', value: arena.subarray(at, at + s.xattr.length) });
          at += s.xattr.length;
        }
        if (s.owner) [job.uid, job.gid] = s.owner;
        return job;
      }),
    );
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

/** runs `count` groups of `all` at once through `p` and returns the flattened results */
async function writeAll(p: WritePool, root: string, all: Spec[], count: number) {
  mkdirs(root);
  const results = await Promise.all(groups(root, all, count).map((jobs) => p.write(jobs)));
  return results.flat();
}

/** a job writing `content` to root/name through the temp root/tmpName */
function job(root: string, tmpName: string, name: string, content: string | Buffer): WriteJob {
  return {
    tmp: Buffer.from(join(root, tmpName)),
    final: Buffer.from(join(root, name)),
    data: Buffer.from(content),
    mode: 0o640,
    atimeNs: 5n,
    mtimeNs: 7n,
    xattrs: [],
  };
}

/** results with the test directory replaced, so runs in different directories compare */
function portable(results: WriteResult[], root: string): WriteResult[] {
  return JSON.parse(JSON.stringify(results).replaceAll(root, '<root>')) as WriteResult[];
}

describe('WritePool', () => {
  it('has the native batch writer (scripts/setup.sh builds it; never skipped)', () => {
    expect(nativeAvailable()).toBe(true);
    expect(typeof posixAddon()?.writeFiles).toBe('function');
    expect(new WritePool().via).toBe('native');
    expect(new WritePool({ threads: 2 }).via).toBe('native');
  });

  for (const via of VIAS) {
    it(`writes 500 files in 20 groups in flight at once (${via})`, async () => {
      const p = pool(via);
      const root = tmp();
      const all = specs(500);
      const results = await writeAll(p, root, all, 20);
      expect(results.filter((r) => r.error)).toEqual([]);
      // owners: set as root; a warning, not an error, otherwise
      const warned = results.filter((r) => r.warnings.length > 0).length;
      expect(warned).toBe(isRoot ? 0 : all.filter((s) => s.owner).length);
      checkTree(root, all, nativeAvailable());
      expect(readdirSync(root).flatMap((d) => readdirSync(join(root, d)))).not.toContainEqual(
        expect.stringMatching(/\.tmp$/),
      );
    });
  }

  it('gives the same results on every path', async () => {
    const all = specs(120);
    const roots = VIAS.map(() => tmp());
    const results = await Promise.all(VIAS.map((via, i) => writeAll(pool(via), roots[i]!, all, 3)));
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toEqual(results[2]);
    for (const root of roots) checkTree(root, all, true);
  });

  for (const via of VIAS) {
    it(`keeps a job's error to that job, and removes only its own temp file (${via})`, async () => {
      const p = pool(via);
      const root = tmp();
      writeFileSync(join(root, 'taken.tmp'), 'someone else');
      const results = await p.write([
        job(root, 'ok1.tmp', 'ok1', 'aa'),
        job(root, 'lost.tmp', 'missing-dir/lost', 'bb'),
        job(root, 'taken.tmp', 'taken', 'cc'),
        job(root, 'no-dir/x.tmp', 'x', 'dd'),
        job(root, 'ok2.tmp', 'ok2', 'ee'),
      ]);
      expect(results.map((r) => r.error?.code)).toEqual([
        undefined,
        'ENOENT',
        'EEXIST',
        'ENOENT',
        undefined,
      ]);
      expect(portable(results, root)).toEqual([
        { warnings: [] },
        {
          error: {
            code: 'ENOENT',
            message:
              "ENOENT: no such file or directory, rename '<root>/lost.tmp' -> '<root>/missing-dir/lost'",
          },
          warnings: [],
        },
        {
          error: {
            code: 'EEXIST',
            message: "EEXIST: file already exists, open '<root>/taken.tmp'",
          },
          warnings: [],
        },
        {
          error: {
            code: 'ENOENT',
            message: "ENOENT: no such file or directory, open '<root>/no-dir/x.tmp'",
          },
          warnings: [],
        },
        { warnings: [] },
      ]);
      expect(readFileSync(join(root, 'ok1'), 'utf8')).toBe('aa');
      expect(readFileSync(join(root, 'ok2'), 'utf8')).toBe('ee');
      // the existing temp file is neither written nor removed; the failed rename's temp is gone
      expect(readFileSync(join(root, 'taken.tmp'), 'utf8')).toBe('someone else');
      expect(readdirSync(root).sort()).toEqual(['ok1', 'ok2', 'taken.tmp']);
    });

    it(`never follows a symlink planted at the temp name (${via})`, async () => {
      const p = pool(via);
      const root = tmp();
      writeFileSync(join(root, 'victim'), 'precious');
      symlinkSync(join(root, 'victim'), join(root, 'a.tmp'));
      symlinkSync(join(root, 'nowhere'), join(root, 'b.tmp'));
      const results = await p.write([
        job(root, 'a.tmp', 'a', 'evil'),
        job(root, 'b.tmp', 'b', 'evil'),
        job(root, 'c.tmp', 'c', 'fine'),
      ]);
      expect(results.map((r) => r.error?.code)).toEqual(['EEXIST', 'EEXIST', undefined]);
      expect(readFileSync(join(root, 'victim'), 'utf8')).toBe('precious');
      expect(existsSync(join(root, 'nowhere'))).toBe(false);
      expect(lstatSync(join(root, 'a.tmp')).isSymbolicLink()).toBe(true);
      expect(lstatSync(join(root, 'b.tmp')).isSymbolicLink()).toBe(true);
      expect(readdirSync(root).sort()).toEqual(['a.tmp', 'b.tmp', 'c', 'victim']);
    });

    it(`leaves all-zero 4 KiB blocks as holes with sparse (${via})`, async () => {
      const p = pool(via);
      const root = tmp();
      const size = 1024 * 1024 + 123; // ends inside a block, with zeros: ftruncate sets the size
      const content = Buffer.alloc(size);
      content.fill(1, 0, 100);
      content.fill(2, 600 * 1024 - 10, 600 * 1024 + 5000); // across three blocks
      const zeros = Buffer.alloc(3 * 4096 + 5);
      const sparse = (j: WriteJob): WriteJob => ({ ...j, sparse: true });
      const results = await p.write([
        sparse(job(root, 's.tmp', 's', content)),
        job(root, 'd.tmp', 'd', content),
        sparse(job(root, 'z.tmp', 'z', zeros)),
        sparse(job(root, 'e.tmp', 'e', '')),
      ]);
      expect(results).toEqual(results.map(() => ({ warnings: [] })));
      expect(readFileSync(join(root, 's')).equals(content)).toBe(true);
      expect(readFileSync(join(root, 'd')).equals(content)).toBe(true);
      expect(readFileSync(join(root, 'z')).equals(zeros)).toBe(true);
      expect(readFileSync(join(root, 'e')).length).toBe(0);
      const allocated = (name: string): number => lstatSync(join(root, name)).blocks * 512;
      expect(allocated('s')).toBeLessThanOrEqual(8 * 4096); // 4 data blocks, some slack
      expect(allocated('d')).toBeGreaterThanOrEqual(size - 4096);
      expect(allocated('z')).toBe(0);
    });

    it(`reports owner and xattr failures as warnings, the same on every path (${via})`, async () => {
      const p = pool(via);
      const root = tmp();
      const j = job(root, 'w.tmp', 'w', 'w');
      j.uid = 2 ** 33; // beyond any uid: fchown is refused
      j.gid = 1;
      j.xattrs = [
        { name: 'bogus.name', value: Buffer.from('x') }, // no such namespace: ENOTSUP
        { name: 'user.ok', value: new Uint8Array(0) },
      ];
      const [r] = await p.write([j]);
      expect(r!.error).toBeUndefined();
      expect(r!.warnings).toHaveLength(2);
      expect(r!.warnings[0]).toMatch(/^cannot set owner 8589934592:1: /);
      expect(r!.warnings[1]).toBe(
        'cannot set xattr bogus.name: lsetxattr: Operation not supported',
      );
      expect(readFileSync(join(root, 'w'), 'utf8')).toBe('w');
    });

    it(`close() is idempotent; write after close() rejects (${via})`, async () => {
      const p = pool(via);
      const root = tmp();
      await p.write([job(root, 'a.tmp', 'a', '')]);
      await Promise.all([p.close(), p.close()]);
      await p.close();
      await expect(p.write([])).rejects.toThrow(/after close/);
      expect(existsSync(join(root, 'a'))).toBe(true);
    });
  }

  it('native: uses the buffers in place, without copying or detaching them', async () => {
    const p = pool('native');
    const root = tmp();
    const big = new Uint8Array(1 << 20).fill(9);
    big.set([1, 2, 3], 100);
    const j = job(root, 'a.tmp', 'a', '');
    j.data = big.subarray(100, 106);
    await p.write([j]);
    expect(big.byteLength).toBe(1 << 20);
    expect([...readFileSync(join(root, 'a'))]).toEqual([1, 2, 3, 9, 9, 9]);
  });

  it('workers: copies the files into one transferred buffer, leaving theirs intact', async () => {
    const p = pool('workers');
    const root = tmp();
    const owned = new Uint8Array([1, 2, 3]);
    const big = new Uint8Array(1 << 20).fill(9);
    const a = job(root, 'a.tmp', 'a', '');
    a.data = owned;
    const b = job(root, 'b.tmp', 'b', '');
    b.data = big.subarray(100, 103);
    await p.write([a, b]);
    expect(owned.byteLength).toBe(3);
    expect(big.byteLength).toBe(1 << 20);
    expect([...readFileSync(join(root, 'a'))]).toEqual([1, 2, 3]);
    expect([...readFileSync(join(root, 'b'))]).toEqual([9, 9, 9]);
  });

  it('native: a path or xattr name holding a NUL byte fails that job or xattr only', async () => {
    const p = pool('native');
    const root = tmp();
    const bad = job(root, 'bad.tmp', 'bad', 'x');
    bad.final = Buffer.concat([Buffer.from(root + '/ba'), Buffer.from([0]), Buffer.from('d')]);
    const named = job(root, 'n.tmp', 'n', 'n');
    named.xattrs = [{ name: 'user.a\u0000b', value: Buffer.from('v') }];
    const results = await p.write([bad, named, job(root, 'ok.tmp', 'ok', 'ok')]);
    expect(results[0]!.error?.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(results[1]).toEqual({
      warnings: ['cannot set xattr user.a\u0000b: path or name holds a NUL byte or is too long'],
    });
    expect(results[2]).toEqual({ warnings: [] });
    expect(readdirSync(root).sort()).toEqual(['n', 'ok']);
  });

  it('native: writeFiles refuses malformed arguments before touching anything', () => {
    const w = posixAddon()!.writeFiles!;
    const root = tmp();
    const path = Buffer.from(join(root, 'x'));
    const nums = (over: Partial<Record<number, number>> = {}): Float64Array => {
      const n = new Float64Array([path.length, 0, 0o644, -1, -1, 0, 0, 0, 0, 0, 0]);
      for (const [k, v] of Object.entries(over)) n[Number(k)] = v!;
      return n;
    };
    const call = (s: unknown, n: unknown, b: unknown) =>
      (w as unknown as (a: unknown, b: unknown, c: unknown) => unknown)(s, n, b);
    expect(() => call('x', nums(), [Buffer.alloc(0)])).toThrow(TypeError);
    expect(() => call(path, [1, 2], [Buffer.alloc(0)])).toThrow(TypeError);
    expect(() => call(path, nums(), 'no')).toThrow(TypeError);
    expect(() => call(path, nums({ 0: path.length + 1 }), [Buffer.alloc(0)])).toThrow(RangeError);
    expect(() => call(path, nums({ 0: path.length - 1 }), [Buffer.alloc(0)])).toThrow(RangeError);
    expect(() => call(path, nums({ 0: 1.5 }), [Buffer.alloc(0)])).toThrow(RangeError);
    expect(() => call(path, nums({ 2: NaN }), [Buffer.alloc(0)])).toThrow(RangeError);
    expect(() => call(path, nums({ 2: 0o10000 }), [Buffer.alloc(0)])).toThrow(RangeError);
    expect(() => call(path, nums({ 3: -2 }), [Buffer.alloc(0)])).toThrow(RangeError);
    expect(() => call(path, nums({ 6: 1e9 }), [Buffer.alloc(0)])).toThrow(RangeError);
    expect(() => call(path, nums({ 10: 1 }), [Buffer.alloc(0)])).toThrow(RangeError);
    expect(() => call(path, nums().subarray(0, 10), [Buffer.alloc(0)])).toThrow(RangeError);
    expect(() => call(path, nums(), [])).toThrow(RangeError);
    expect(() => call(path, nums(), [Buffer.alloc(0), Buffer.alloc(0)])).toThrow(RangeError);
    expect(() => call(path, nums(), [new Uint16Array(1)])).toThrow(RangeError);
    expect(readdirSync(root)).toEqual([]);
  });

  it('without the native helper: microsecond times, xattrs become warnings', () => {
    const root = tmp();
    const [r] = writeJobsSync(
      [
        {
          ...job(root, 'x.tmp', 'x', 'x'),
          mode: 0o600,
          atimeNs: 1_600_000_000_123_456_789n,
          mtimeNs: -1_234_567_891n,
          xattrs: [{ name: 'user.a', value: Buffer.from('v') }],
        },
      ],
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
    const saved = process.env.SALVAGE_NO_NATIVE;
    process.env.SALVAGE_NO_NATIVE = '1';
    try {
      const p = pool('workers');
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
    const p = pool('workers');
    const root = tmp();
    const all = specs(20);
    const [first] = groups(root, all, 1);
    mkdirs(root);
    const pending = p.write(first!);
    // the worker has not even started: kill it the way a crash would end it
    const slots = (p as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
    await slots[0]!.worker.terminate();
    await expect(pending).rejects.toThrow(/worker exited unexpectedly.*may be partly written/);
    rmSync(root, { recursive: true });
    const [again] = groups(root, all, 1);
    mkdirs(root);
    const results = await p.write(again!);
    expect(results.filter((r) => r.error)).toEqual([]);
    checkTree(root, all, nativeAvailable());
  });

  for (const via of ['native', 'workers'] as const) {
    it(`keeps its inputs alive through GC and does not hold the process open (${via})`, () => {
      requireWorker(); // the child imports the compiled pool
      const root = tmp();
      const dist = fileURLToPath(new URL('../../dist/ops/restore/write-pool.js', import.meta.url));
      // nothing but the pool holds the jobs' buffers and paths while the GC runs
      const script = `
        import { WritePool } from ${JSON.stringify(dist)};
        const pool = new WritePool(${JSON.stringify(via === 'native' ? { native: true } : { native: false, threads: 2 })});
        const group = (g) => Array.from({ length: 50 }, (_, i) => ({
          tmp: Buffer.from(${JSON.stringify(root)} + '/f' + g + '-' + i + '.tmp'),
          final: Buffer.from(${JSON.stringify(root)} + '/f' + g + '-' + i),
          data: new Uint8Array(3000 + i).fill(g + i),
          mode: 0o644, atimeNs: 0n, mtimeNs: 0n,
          xattrs: [{ name: 'user.k', value: new Uint8Array(40).fill(i) }],
        }));
        const writes = Array.from({ length: 20 }, (_, g) => pool.write(group(g)));
        for (let i = 0; i < 20; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); }
        const results = (await Promise.all([...writes, pool.write([])])).flat();
        console.log(pool.via, results.length, results.filter((r) => r.error || r.warnings.length).length);
      `;
      const started = Date.now();
      const out = execFileSync(
        process.execPath,
        ['--expose-gc', '--input-type=module', '-e', script],
        { timeout: 30_000 },
      ).toString();
      expect(out.trim()).toBe(`${via} 1000 0`);
      expect(Date.now() - started).toBeLessThan(10_000);
      for (const g of [0, 7, 19]) {
        for (const i of [0, 49]) {
          const got = readFileSync(join(root, `f${g}-${i}`));
          expect(got.equals(Buffer.alloc(3000 + i, (g + i) & 0xff))).toBe(true);
        }
      }
    });
  }
});
