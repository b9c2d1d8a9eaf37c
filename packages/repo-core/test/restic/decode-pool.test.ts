/**
 * The restic decode pool (decode-pool.ts, decode-worker.ts): every file of every restic fixture
 * reads the same with data blobs decoded in worker threads as inline; a flipped byte gives the
 * same IntegrityError (class, code, message, data) from a worker as inline; the worker follows
 * the crypto path choice and its counts reach this thread's cryptoUsage; a worker that dies
 * fails its runs and is replaced; prepareReads starts the workers early; the pool never keeps
 * the process alive.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open as openFile, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import {
  copyFixtureToTemp,
  fixtureRepoPath,
  loadFixtures,
} from '../../../../test/harness/fixtures.js';
import { cryptoUsage, resetCryptoUsage, setCryptoPath } from '../../src/crypto/select.js';
import type { IntegrityError } from '../../src/errors.js';
import type { Entry } from '../../src/model.js';
import { decodeWorkerScript, DecodePool } from '../../src/restic/decode-pool.js';
import { packName } from '../../src/restic/layout.js';
import { ResticRepository } from '../../src/restic/repository.js';
import { LocalStorage } from '../../src/storage/local.js';

const RESTIC = loadFixtures().filter((f) => f.format === 'restic');

/** the threaded tests need the compiled worker; say how to get it instead of skipping */
function requireWorker(): string {
  const script = decodeWorkerScript();
  if (!script)
    throw new Error(
      'packages/repo-core/dist/restic/decode-worker.js is missing: run `pnpm build` first',
    );
  return script;
}

const opened: ResticRepository[] = [];
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
  inlineFirstBytes = 0,
): Promise<ResticRepository> {
  const repo = await ResticRepository.open(new LocalStorage(path), {
    password,
    decodeThreads: threads,
    decodePoolMinBytes: 0,
    decodeInlineFirstBytes: inlineFirstBytes,
  });
  opened.push(repo);
  return repo;
}

async function filesOf(repo: ResticRepository): Promise<Entry[]> {
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
async function outcome(repo: ResticRepository, e: Entry): Promise<string> {
  try {
    const bytes = new Uint8Array(await new Response(repo.open(e)).arrayBuffer());
    return createHash('sha256').update(bytes).digest('hex');
  } catch (err) {
    const x = err as IntegrityError;
    return `${x.constructor.name} ${x.code}: ${x.message} ${JSON.stringify(x.data)}`;
  }
}

async function outcomesOf(repo: ResticRepository): Promise<string[]> {
  const out: string[] = [];
  for (const f of await filesOf(repo)) out.push(`${f.displayName} ${await outcome(repo, f)}`);
  return out;
}

async function outcomes(path: string, password: string, threads: number): Promise<string[]> {
  const repo = await openRepo(path, password, threads);
  const out = await outcomesOf(repo);
  if (threads > 0) {
    expect(repo.decodePool?.threaded).toBe(true);
    expect(repo.decodePool?.stats.threadedRuns).toBeGreaterThan(0);
  }
  return out;
}

describe('decode pool over the restic fixtures', () => {
  it.each(RESTIC.map((f) => [f.name, f] as const))(
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
    const f = RESTIC.find((r) => r.name === 'restic-v2-auto') ?? RESTIC[0]!;
    const path = await copyFixtureToTemp(f.name);
    temps.push(path);
    let largest = { file: '', size: 0 };
    for (const sub of await readdir(join(path, 'data'))) {
      for (const name of await readdir(join(path, 'data', sub))) {
        const file = join(path, 'data', sub, name);
        const { size } = await stat(file);
        if (size > largest.size) largest = { file, size };
      }
    }
    const fh = await openFile(largest.file, 'r+');
    const at = Math.floor(largest.size / 3);
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, at);
    b[0]! ^= 0x40;
    await fh.write(b, 0, 1, at);
    await fh.close();

    const inline = await outcomes(path, f.password, 0);
    const threaded = await outcomes(path, f.password, 2);
    expect(threaded).toEqual(inline);
    const failed = inline.filter((o) => o.includes('IntegrityError SALVAGE_'));
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.join('\n')).toContain('ciphertext verification failed');
  });
});

describe('DecodePool', () => {
  async function someRun(): Promise<{ repo: ResticRepository; entry: Entry }> {
    const f = RESTIC[0]!;
    const repo = await openRepo(fixtureRepoPath(f.name), f.password, 2);
    const files = await filesOf(repo);
    const entry = files.reduce((a, b) => (b.size > a.size ? b : a));
    return { repo, entry };
  }

  it('follows the crypto path choice, and the worker counts reach cryptoUsage', async () => {
    requireWorker();
    for (const path of ['portable', 'fast'] as const) {
      // a fresh repository each time: recently decoded blobs are reused, not decoded again
      const { repo, entry } = await someRun();
      setCryptoPath(path);
      resetCryptoUsage();
      const before = repo.decodePool!.stats.threadedRuns;
      await new Response(repo.open(entry)).arrayBuffer();
      expect(repo.decodePool!.stats.threadedRuns).toBeGreaterThan(before);
      const other = path === 'fast' ? 'portable' : 'fast';
      expect(cryptoUsage['aes-ctr']?.[path] ?? 0).toBeGreaterThan(0);
      expect(cryptoUsage['aes-ctr']?.[other] ?? 0).toBe(0);
      expect(cryptoUsage['sha256']?.[path] ?? 0).toBeGreaterThan(0);
    }
  });

  it('a worker that dies fails its run with a clear error and is replaced', async () => {
    requireWorker();
    const { repo, entry } = await someRun();
    const loader = await repo.loader();
    const pool = repo.decodePool!;
    const loc = loader.locate('data', (entry.ref as { content: string[] }).content[0]!)[0]!;
    const stored = await loader.storage.read(packName(loc.packId), {
      offset: loc.offset,
      length: loc.length,
    });
    const good = await pool.decode(stored.slice(), loc.offset, [loc]);
    const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] })
      .slots;
    expect(slots.length).toBe(2);
    // both workers die with the runs just sent to them still unanswered
    const dying = slots.map((s) => s.worker.terminate());
    const pending = [
      pool.decode(stored.slice(), loc.offset, [loc]),
      pool.decode(stored.slice(), loc.offset, [loc]),
    ];
    const settled = Promise.allSettled(pending);
    await Promise.all(dying);
    for (const r of await settled) {
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason)).toMatch(
        /decode worker exited unexpectedly.*not decoded/,
      );
    }
    const [again] = await pool.decode(stored.slice(), loc.offset, [loc]);
    expect(Buffer.from(again!).equals(good[0]!)).toBe(true);
  });

  it('inline with 0 threads, same bytes; decode after close() is refused', async () => {
    const { repo, entry } = await someRun();
    const loader = await repo.loader();
    const loc = loader.locate('data', (entry.ref as { content: string[] }).content[0]!)[0]!;
    const stored = await loader.storage.read(packName(loc.packId), {
      offset: loc.offset,
      length: loc.length,
    });
    const inline = new DecodePool(repo.key, { threads: 0 });
    expect(inline.threaded).toBe(false);
    const [a] = await inline.decode(stored, loc.offset, [loc]);
    const [b] = await loader.loadRun([loc]);
    expect(Buffer.from(a!).equals(b!)).toBe(true);
    await inline.close();
    await expect(inline.decode(stored, loc.offset, [loc])).rejects.toThrow(/after close/);
  });

  it('the first decodeInlineFirstBytes decode inline, with no worker started; then workers', async () => {
    requireWorker();
    const f = RESTIC[0]!;
    const slots = (r: ResticRepository) =>
      (r.decodePool as unknown as { slots: unknown[] }).slots.length;
    const never = await openRepo(fixtureRepoPath(f.name), f.password, 2, 1 << 30);
    const a = await outcomesOf(never);
    expect(never.decodePool!.stats.threadedRuns).toBe(0);
    expect(never.decodePool!.stats.inlineRuns).toBeGreaterThan(0);
    expect(slots(never)).toBe(0);
    const soon = await openRepo(fixtureRepoPath(f.name), f.password, 2, 64 * 1024);
    const b = await outcomesOf(soon);
    expect(soon.decodePool!.stats.inlineRuns).toBeGreaterThan(0);
    expect(soon.decodePool!.stats.threadedRuns).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('prepareReads starts the workers before the first run, below the inline bytes too', async () => {
    requireWorker();
    const f = RESTIC[0]!;
    const repo = await openRepo(fixtureRepoPath(f.name), f.password, 2, 1 << 30);
    expect(repo.decodePool).toBeUndefined();
    repo.prepareReads();
    const pool = repo.decodePool!;
    const slots = () => (pool as unknown as { slots: unknown[] }).slots.length;
    expect(slots()).toBe(2);
    expect(pool.stats.threadedRuns).toBe(0);
    repo.prepareReads(); // idempotent: no more workers than threads
    expect(slots()).toBe(2);
    const entry = (await filesOf(repo)).reduce((a, b) => (b.size > a.size ? b : a));
    await new Response(repo.open(entry)).arrayBuffer();
    expect(pool.stats.threadedRuns).toBeGreaterThan(0);
    expect(slots()).toBe(2);
  });

  it('a warmed pool, never used and never closed, does not keep the process alive', () => {
    const f = RESTIC[0]!;
    const dist = join(dirname(requireWorker()), '..', 'index.js');
    const script = `
      const { ResticRepository, LocalStorage } = await import(${JSON.stringify(pathToFileURL(dist).href)});
      const repo = await ResticRepository.open(new LocalStorage(${JSON.stringify(fixtureRepoPath(f.name))}), {
        password: ${JSON.stringify(f.password)}, decodeThreads: 2 });
      repo.prepareReads();
      console.log('warmed');`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 60_000,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('warmed');
  });

  it('never keeps the process alive (the repository is not closed)', () => {
    requireWorker();
    const f = RESTIC[0]!;
    const dist = join(dirname(requireWorker()), '..', 'index.js');
    const script = `
      const { ResticRepository, LocalStorage } = await import(${JSON.stringify(pathToFileURL(dist).href)});
      const repo = await ResticRepository.open(new LocalStorage(${JSON.stringify(fixtureRepoPath(f.name))}), {
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
