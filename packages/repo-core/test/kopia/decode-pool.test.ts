/**
 * The kopia decode pool (kopia/decode-pool.ts, decode-worker.ts over util/run-pool.ts): every
 * file of every kopia fixture (each encryption, hash, compression and ECC variant) reads the
 * same with data contents decoded in worker threads as inline; a flipped byte gives the same
 * IntegrityError (class, code, message, data) from a worker as inline, and an ECC repair made in
 * a worker is reported as the same event; the worker's crypto counts reach this thread's
 * cryptoUsage; a worker that dies fails its runs and is replaced; contents with sinks are written
 * into a file by a worker and inline alike; the pool never keeps the process alive.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { open as openFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import {
  copyFixtureToTemp,
  fixtureRepoPath,
  loadFixtures,
} from '../../../../test/harness/fixtures.js';
import { cryptoUsage, resetCryptoUsage, setCryptoPath } from '../../src/crypto/select.js';
import type { IntegrityError } from '../../src/errors.js';
import type { KopiaCodec, KopiaCodecSettings } from '../../src/kopia/decode-content.js';
import { KopiaDecodePool, kopiaDecodeWorkerScript } from '../../src/kopia/decode-pool.js';
import { contentId } from '../../src/kopia/ids.js';
import { openKopiaRepository } from '../../src/kopia/open.js';
import type { KopiaRepository } from '../../src/kopia/repository.js';
import type { Entry, RepositoryEvent } from '../../src/model.js';
import { LocalStorage } from '../../src/storage/local.js';

const KOPIA = loadFixtures().filter((f) => f.format === 'kopia');

/** the threaded tests need the compiled worker; say how to get it instead of skipping */
function requireWorker(): string {
  const script = kopiaDecodeWorkerScript();
  if (!script)
    throw new Error(
      'packages/repo-core/dist/kopia/decode-worker.js is missing: run `pnpm build` first',
    );
  return script;
}

const opened: KopiaRepository[] = [];
const temps: string[] = [];
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
  setCryptoPath('auto');
});
afterAll(async () => {
  for (const t of temps) await rm(dirname(t), { recursive: true, force: true });
});

async function openRepo(
  path: string,
  password: string,
  threads: number,
  events: RepositoryEvent[] = [],
): Promise<KopiaRepository> {
  const repo = await openKopiaRepository(new LocalStorage(path), {
    password,
    decodeThreads: threads,
    decodePoolMinBytes: 0,
    decodeInlineFirstBytes: 0,
    onEvent: (e) => events.push(e),
  });
  opened.push(repo);
  return repo;
}

async function filesOf(repo: KopiaRepository): Promise<Entry[]> {
  const out: Entry[] = [];
  const walk = async (dir: Entry): Promise<void> => {
    for await (const e of repo.list(dir)) {
      if (e.type === 'file') out.push(e);
      else if (e.type === 'dir') await walk(e);
    }
  };
  for (const s of await repo.snapshots()) await walk(await repo.root(s));
  return out;
}

/** a file's SHA-256, or the error reading it gave as `class code: message data` */
async function outcome(repo: KopiaRepository, e: Entry): Promise<string> {
  try {
    const bytes = new Uint8Array(await new Response(repo.open(e)).arrayBuffer());
    return createHash('sha256').update(bytes).digest('hex');
  } catch (err) {
    const x = err as IntegrityError;
    return `${x.constructor.name} ${x.code}: ${x.message} ${JSON.stringify(x.data)}`;
  }
}

async function outcomes(
  path: string,
  password: string,
  threads: number,
  events: RepositoryEvent[] = [],
): Promise<string[]> {
  const repo = await openRepo(path, password, threads, events);
  const files = await filesOf(repo);
  const out: string[] = [];
  for (const f of files) out.push(`${f.displayName} ${await outcome(repo, f)}`);
  // the same files read in storage order (readFiles), runs of several contents per pack
  for await (const d of repo.readFiles(files)) {
    const hash = d.error
      ? `${d.error.constructor.name}: ${d.error.message}`
      : createHash('sha256').update(d.data!).digest('hex');
    out.push(`batch ${files[d.index]!.displayName} ${hash}`);
  }
  if (threads > 0) {
    expect(repo.decodePool.threaded).toBe(true);
    expect(repo.decodePool.stats.threadedRuns).toBeGreaterThan(0);
  }
  return out;
}

/** the largest pack file of a kopia repository directory */
async function largestPack(dir: string): Promise<{ file: string; size: number }> {
  let largest = { file: '', size: 0 };
  const walk = async (d: string): Promise<void> => {
    for (const ent of await readdir(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) await walk(p);
      // a pack's name starts with `p`: a file p…f (flat layout) or one below the folder p/
      else if (relative(dir, p).startsWith('p')) {
        const { size } = await stat(p);
        if (size > largest.size) largest = { file: p, size };
      }
    }
  };
  await walk(dir);
  return largest;
}

async function flipByte(file: string, at: number): Promise<void> {
  const fh = await openFile(file, 'r+');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, at);
  b[0]! ^= 0x40;
  await fh.write(b, 0, 1, at);
  await fh.close();
}

describe('decode pool over the kopia fixtures', () => {
  it.each(KOPIA.map((f) => [f.name, f] as const))(
    '%s: every file reads the same threaded as inline',
    async (_name, f) => {
      requireWorker();
      const path = fixtureRepoPath(f.name);
      const inline = await outcomes(path, f.password, 0);
      const threaded = await outcomes(path, f.password, 2);
      expect(inline.length).toBeGreaterThan(0);
      expect(threaded).toEqual(inline);
      expect(inline.join('\n')).not.toContain('Error');
    },
  );

  it('a flipped byte in the largest pack: the same IntegrityError from the pool as inline', async () => {
    requireWorker();
    const f = KOPIA.find((r) => r.name === 'kopia-default') ?? KOPIA[0]!;
    const path = await copyFixtureToTemp(f.name);
    temps.push(path);
    const largest = await largestPack(path);
    expect(largest.size).toBeGreaterThan(0);
    await flipByte(largest.file, Math.floor(largest.size / 3));

    const inline = await outcomes(path, f.password, 0);
    const threaded = await outcomes(path, f.password, 2);
    expect(threaded).toEqual(inline);
    const failed = inline.filter((o) => o.includes('IntegrityError SALVAGE_'));
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.join('\n')).toMatch(/content \w+ in pack p[\w-]+ is corrupt: aes-256-gcm/);
  });

  it('an ECC repair made in a worker is reported as the same event as inline', async () => {
    requireWorker();
    const f = KOPIA.find((r) => r.name === 'kopia-ecc');
    if (!f) throw new Error('fixture kopia-ecc is missing');
    const path = await copyFixtureToTemp(f.name);
    temps.push(path);
    const largest = await largestPack(path);
    await flipByte(largest.file, Math.floor(largest.size / 3));

    const inlineEvents: RepositoryEvent[] = [];
    const threadedEvents: RepositoryEvent[] = [];
    const inline = await outcomes(path, f.password, 0, inlineEvents);
    const threaded = await outcomes(path, f.password, 2, threadedEvents);
    expect(threaded).toEqual(inline);
    expect(inline.join('\n')).not.toContain('Error');
    const repairs = (es: RepositoryEvent[]) =>
      es.filter((e) => e.type === 'repaired').map((e) => `${e.message} ${JSON.stringify(e.data)}`);
    expect(repairs(inlineEvents).length).toBeGreaterThan(0);
    expect(repairs(threadedEvents)).toEqual(repairs(inlineEvents));
  });
});

describe('KopiaDecodePool', () => {
  async function someContent(threads: number) {
    const f = KOPIA.find((r) => r.name === 'kopia-default') ?? KOPIA[0]!;
    const repo = await openRepo(fixtureRepoPath(f.name), f.password, threads);
    const files = await filesOf(repo);
    const entry = files.reduce((a, b) => (b.size > a.size ? b : a));
    let first: string | undefined;
    for await (const c of repo.chunks(entry)) {
      first = c.id;
      break;
    }
    const info = repo.contents.info(contentId(first!));
    const pack = await repo.readRaw('blob', info.packBlobId);
    const stored = pack.slice(info.packOffset, info.packOffset + info.packedLength);
    return { repo, entry, info, stored };
  }

  it('the worker counts reach cryptoUsage, on the path chosen', async () => {
    requireWorker();
    for (const path of ['portable', 'fast'] as const) {
      const { repo, info, stored } = await someContent(2);
      setCryptoPath(path);
      resetCryptoUsage();
      const before = repo.decodePool.stats.threadedRuns;
      await repo.decodePool.decode(stored.slice(), info.packOffset, [info]);
      expect(repo.decodePool.stats.threadedRuns).toBe(before + 1);
      const other = path === 'fast' ? 'portable' : 'fast';
      expect(cryptoUsage['aes-256-gcm']?.[path] ?? 0).toBeGreaterThan(0);
      expect(cryptoUsage['aes-256-gcm']?.[other] ?? 0).toBe(0);
    }
  });

  it('prepareReads starts the workers before the first run; they decode it', async () => {
    requireWorker();
    const f = KOPIA.find((r) => r.name === 'kopia-default') ?? KOPIA[0]!;
    const repo = await openRepo(fixtureRepoPath(f.name), f.password, 2);
    const pool = repo.decodePool;
    const slots = () => (pool as unknown as { slots: unknown[] }).slots.length;
    expect(slots()).toBe(0);
    repo.prepareReads();
    repo.prepareReads(); // idempotent: no more workers than threads
    expect(slots()).toBe(2);
    expect(pool.stats.threadedRuns).toBe(0);
    const { info, stored } = await someContent(2);
    await pool.decode(stored.slice(), info.packOffset, [info]);
    expect(pool.stats.threadedRuns).toBe(1);
    expect(slots()).toBe(2);
  });

  it('a worker that dies fails its run with a clear error and is replaced', async () => {
    requireWorker();
    const { repo, info, stored } = await someContent(2);
    const pool = repo.decodePool;
    const good = await pool.decode(stored.slice(), info.packOffset, [info]);
    const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] })
      .slots;
    expect(slots.length).toBe(2);
    // both workers die with the runs just sent to them still unanswered
    const dying = slots.map((s) => s.worker.terminate());
    const pending = [
      pool.decode(stored.slice(), info.packOffset, [info]),
      pool.decode(stored.slice(), info.packOffset, [info]),
    ];
    const settled = Promise.allSettled(pending);
    await Promise.all(dying);
    for (const r of await settled) {
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason)).toMatch(
        /kopia decode worker exited unexpectedly.*; pack p[\w-]+, run of 1 contents from content \w+ not decoded/,
      );
    }
    const [again] = await pool.decode(stored.slice(), info.packOffset, [info]);
    expect(Buffer.from(again!).equals(good[0]!)).toBe(true);
  });

  it('while every worker is full, the calling thread decodes the next run itself', async () => {
    requireWorker();
    const { repo, info, stored } = await someContent(0);
    const codec = (repo as unknown as { p: { config: KopiaCodecSettings; codec: KopiaCodec } }).p;
    const pool = new KopiaDecodePool(
      { settings: codec.config, verifyHash: true, codec: codec.codec, emit: () => undefined },
      { threads: 1, queuePerWorker: 1, inlineFirstBytes: 0 },
    );
    try {
      const runs = await Promise.all(
        [1, 2, 3].map(() => pool.decode(stored.slice(), info.packOffset, [info])),
      );
      expect(pool.stats).toEqual({ threadedRuns: 1, inlineRuns: 2, items: 3 });
      for (const [r] of runs) expect(Buffer.from(r!).equals(Buffer.from(runs[0]![0]!))).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('sinks: written at their places by a worker and inline, the content comes back empty', async () => {
    requireWorker();
    const { repo, info, stored } = await someContent(0);
    const codec = (repo as unknown as { p: { config: KopiaCodecSettings; codec: KopiaCodec } }).p;
    const want = await repo.contents.get(info.contentId);
    const pool = new KopiaDecodePool(
      { settings: codec.config, verifyHash: true, codec: codec.codec, emit: () => undefined },
      { threads: 1, queuePerWorker: 1, inlineFirstBytes: 0 },
    );
    const dir = mkdtempSync(join(tmpdir(), 'salvage-kopia-sinks-'));
    const file = join(dir, 'out');
    const fd = openSync(file, 'w+');
    try {
      const n = info.originalLength;
      // three runs at once: one decodes in the worker, two on this thread (every worker full)
      const runs = await Promise.all(
        [0, 1, 2].map((k) =>
          pool.decode(
            stored.slice(),
            info.packOffset,
            [info],
            [[{ fd, pos: k * (n + 5), length: n }]],
          ),
        ),
      );
      expect(pool.stats).toEqual({ threadedRuns: 1, inlineRuns: 2, items: 3 });
      for (const [r] of runs) expect(r!.length).toBe(0);
      const written = readFileSync(file);
      for (const k of [0, 1, 2])
        expect(written.subarray(k * (n + 5), k * (n + 5) + n).equals(want)).toBe(true);
      // a sink of the wrong length: an IntegrityError naming the content, nothing written
      ftruncateSync(fd, 0);
      const err = await pool
        .decode(stored.slice(), info.packOffset, [info], [[{ fd, pos: 0, length: n - 1 }]])
        .catch((e: unknown) => e);
      expect((err as IntegrityError).code).toBe('SALVAGE_INTEGRITY');
      expect((err as Error).message).toContain(info.contentId);
      expect(readFileSync(file).length).toBe(0);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
      await pool.close();
    }
  });

  it('inline with 0 threads, same bytes; decode after close() is refused', async () => {
    const { repo, info, stored } = await someContent(0);
    const pool = repo.decodePool;
    expect(pool.threaded).toBe(false);
    const [a] = await pool.decode(stored, info.packOffset, [info]);
    const b = await repo.contents.get(info.contentId);
    expect(Buffer.from(a!).equals(b)).toBe(true);
    expect(pool.stats.inlineRuns).toBeGreaterThan(0);
    await pool.close();
    await expect(pool.decode(stored, info.packOffset, [info])).rejects.toThrow(/after close/);
  });

  it('never keeps the process alive (the repository is not closed)', () => {
    requireWorker();
    const f = KOPIA.find((r) => r.name === 'kopia-default') ?? KOPIA[0]!;
    const dist = join(dirname(requireWorker()), '..', 'index.js');
    const script = `
      const { openKopiaRepository, LocalStorage } = await import(${JSON.stringify(pathToFileURL(dist).href)});
      const repo = await openKopiaRepository(new LocalStorage(${JSON.stringify(fixtureRepoPath(f.name))}), {
        password: ${JSON.stringify(f.password)}, decodeThreads: 2, decodePoolMinBytes: 0, decodeInlineFirstBytes: 0 });
      const walk = async (d) => { for await (const e of repo.list(d)) {
        if (e.type === 'file') await new Response(repo.open(e)).arrayBuffer();
        else if (e.type === 'dir') await walk(e); } };
      const [s] = await repo.snapshots();
      await walk(await repo.root(s));
      console.log(repo.decodePool.stats.threadedRuns > 0 ? 'threaded' : 'inline');`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 60_000,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('threaded');
  });
});
