/**
 * openRepository's `decodeThreads`: an embedder (a server bounding its own threads) can keep
 * data decoding on the calling thread, for both formats; by default a 2-core machine gets a
 * worker. Real-tool fixtures, every file read in full either way.
 */
import { createHash } from 'node:crypto';

import { afterEach, describe, expect, it } from 'vitest';

import { fixtureRepoPath, loadFixtures } from '../../../test/harness/fixtures.js';
import { openRepository, type Entry, type Repository } from '../src/index.js';
import type { KopiaRepository } from '../src/kopia/repository.js';
import type { ResticRepository } from '../src/restic/repository.js';
import { cores } from '../src/util/worker-script.js';

const opened: Repository[] = [];
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});

const FIXTURES = ['restic-v2-auto', 'kopia-default'].map(
  (n) => loadFixtures().find((f) => f.name === n)!,
);

/** every file of the last snapshot: path and SHA-256 */
async function digests(repo: Repository): Promise<string[]> {
  const files: Entry[] = [];
  const walk = async (dir: Entry): Promise<void> => {
    for await (const e of repo.list(dir)) {
      if (e.type === 'file') files.push(e);
      else if (e.type === 'dir') await walk(e);
    }
  };
  const snaps = await repo.snapshots();
  await walk(await repo.root(snaps[snaps.length - 1]!));
  const out: string[] = [];
  for await (const f of repo.readFiles!(files)) {
    if (f.piece) continue;
    if (f.error) throw f.error;
    out.push(`${files[f.index]!.displayName} ${createHash('sha256').update(f.data).digest('hex')}`);
  }
  return out.sort();
}

/** whether the repository's decode pool runs worker threads */
function threaded(repo: Repository): boolean | undefined {
  const pool =
    (repo as ResticRepository).decodePool ?? (repo as unknown as KopiaRepository).decodePool;
  return pool?.threaded;
}

describe.each(FIXTURES.map((f) => [f.name, f] as const))('%s', (_name, f) => {
  it('decodeThreads: 0 decodes on the calling thread; the default uses a worker', async () => {
    const inline = await openRepository(fixtureRepoPath(f.name), {
      password: f.password,
      cacheDir: false,
      decodeThreads: 0,
    });
    opened.push(inline);
    const a = await digests(inline);
    expect(threaded(inline)).toBe(false);

    const dflt = await openRepository(fixtureRepoPath(f.name), {
      password: f.password,
      cacheDir: false,
    });
    opened.push(dflt);
    const b = await digests(dflt);
    expect(threaded(dflt)).toBe(cores() > 1 && process.env.SALVAGE_DECODE_THREADS !== '0');
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });
});
