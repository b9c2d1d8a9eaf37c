/**
 * Damaged kopia repositories (temp copies of real fixtures) fail with typed errors that name the
 * damaged object, or are repaired (ECC) with a reported event: wrong password, a flipped byte in
 * a `p` pack and in a `q` pack, a missing pack, a missing index blob, a damaged ECC shard, a
 * truncated kopia.repository.
 */
import { readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import {
  IntegrityError,
  MissingObjectError,
  openRepository,
  WrongPasswordError,
  type RepositoryEvent,
} from '@salvage/repo-core';

import { parseIndexBlob } from '../../packages/repo-core/src/kopia/index-blob.js';
import { contentIdToKey, keyToContentId } from '../../packages/repo-core/src/kopia/ids.js';
import { copyFixtureToTemp, fixture, fixtureRepoPath, loadManifest } from '../harness/fixtures.js';
import { compareSnapshotWithManifest } from '../harness/read-compare.js';
import {
  blobFile,
  entryAt,
  flipByte,
  openFixtureDir as openFixtureDirUntracked,
  readAll,
  removeBlob,
  removeTemp,
  sha256,
} from './helpers.js';

const temps: string[] = [];
async function tempCopy(name: string): Promise<string> {
  const dir = await copyFixtureToTemp(name);
  temps.push(dir);
  return dir;
}
/** every repository a test opens is closed after it, also when the test expected a read error */
const opened: Array<{ close(): Promise<void> }> = [];
async function openFixtureDir(...args: Parameters<typeof openFixtureDirUntracked>) {
  const repo = await openFixtureDirUntracked(...args);
  opened.push(repo);
  return repo;
}
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
  for (const d of temps.splice(0)) await removeTemp(d);
});

const RANDOM = 'data/random.bin';

describe('kopia corruption', () => {
  it('wrong password: WrongPasswordError', async () => {
    await expect(
      openRepository(fixtureRepoPath('kopia-default'), { password: 'not-it', cacheDir: false }),
    ).rejects.toBeInstanceOf(WrongPasswordError);
  });

  it('truncated kopia.repository: IntegrityError naming it', async () => {
    const dir = await tempCopy('kopia-default');
    const f = join(dir, 'kopia.repository.f');
    await truncate(f, Math.floor((await readFile(f)).length / 2));
    const err = await openFixtureDir(dir, 'kopia-default').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(String((err as Error).message)).toMatch(/kopia\.repository/);
  });

  it('flipped byte in a p pack: IntegrityError naming the pack and the content', async () => {
    const dir = await tempCopy('kopia-default');
    let repo = await openFixtureDir(dir, 'kopia-default');
    const snap = (await repo.snapshots())[0]!;
    const file = await entryAt(repo, snap, RANDOM);
    const chunks = [];
    for await (const c of repo.chunks(file)) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(1);
    const info = repo.contents.info(chunks[1]!.id as never);
    expect(info.packBlobId.startsWith('p')).toBe(true);
    await flipByte(
      await blobFile(dir, info.packBlobId),
      info.packOffset + Math.floor(info.packedLength / 2),
    );

    repo = await openFixtureDir(dir, 'kopia-default');
    const again = await entryAt(repo, (await repo.snapshots())[0]!, RANDOM);
    const err = await readAll(repo.open(again)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).data).toMatchObject({
      blobId: info.packBlobId,
      contentId: info.contentId,
    });
    expect((err as Error).message).toContain(info.packBlobId);
    expect((err as Error).message).toContain(info.contentId);
  });

  it('flipped byte in a q pack: IntegrityError naming the pack and the directory content', async () => {
    const dir = await tempCopy('kopia-default');
    let repo = await openFixtureDir(dir, 'kopia-default');
    const snap = (await repo.snapshots())[0]!;
    const rootObj = String(snap.extra?.['rootObjectId']);
    const contentId = rootObj.replace(/^I+/, '');
    const info = repo.contents.info(contentId as never);
    expect(info.packBlobId.startsWith('q')).toBe(true);
    await flipByte(
      await blobFile(dir, info.packBlobId),
      info.packOffset + Math.floor(info.packedLength / 2),
    );

    repo = await openFixtureDir(dir, 'kopia-default');
    const root = await repo.root((await repo.snapshots())[0]!);
    const err = await (async () => {
      for await (const _ of repo.list(root)) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).data).toMatchObject({ blobId: info.packBlobId, contentId });
  });

  it('missing pack: MissingObjectError naming the pack and the content', async () => {
    const dir = await tempCopy('kopia-default');
    const firstRepo = await openFixtureDir(dir, 'kopia-default');
    const file = await entryAt(firstRepo, (await firstRepo.snapshots())[0]!, RANDOM);
    const first = (await firstRepo.chunks(file)[Symbol.asyncIterator]().next()).value!;
    const info = firstRepo.contents.info(first.id as never);
    await removeBlob(dir, info.packBlobId);

    const repo = await openFixtureDir(dir, 'kopia-default');
    const snap0 = (await repo.snapshots())[0]!;
    // walking may already meet the pack (a symlink target stored beside the data)
    const err = await (async () => readAll(repo.open(await entryAt(repo, snap0, RANDOM))))().catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MissingObjectError);
    const data = (err as MissingObjectError).data;
    expect(data['blobId']).toBe(info.packBlobId);
    // the content named is one the removed pack held (random.bin's, or a neighbour met first)
    const named = String(data['contentId']);
    expect(firstRepo.contents.info(named as never).packBlobId).toBe(info.packBlobId);
    expect((err as Error).message).toContain(named);
  });

  it('missing index blob: the contents it listed are MissingObjectErrors naming them', async () => {
    const dir = await tempCopy('kopia-default');
    let repo = await openFixtureDir(dir, 'kopia-default');
    const snaps = await repo.snapshots();
    const last = snaps[snaps.length - 1]!;
    const file = await entryAt(repo, last, RANDOM);
    const chunkIds: string[] = [];
    for await (const c of repo.chunks(file)) chunkIds.push(c.id);
    // the index blob listing the first chunk of random.bin, but not the last snapshot's manifest
    const manifestContent = (await repo.manifestSet()).entries.get(last.id)!.contentId;
    let victim: { blob: string; content: string; listed: Set<string> } | undefined;
    for (const id of repo.indexBlobs) {
      const ix = parseIndexBlob(await repo.readRaw('index', id), id, 28);
      const has = (cid: string) => {
        const key = contentIdToKey(cid);
        for (let i = 0; i < ix.count; i++) {
          const o = ix.keyOffset(i);
          if (
            Buffer.compare(Buffer.from(ix.bytes.subarray(o, o + ix.keySize)), Buffer.from(key)) ===
            0
          )
            return true;
        }
        return false;
      };
      if (has(manifestContent)) continue;
      const c = chunkIds.find(has);
      if (c) {
        const listed = new Set<string>();
        for (let i = 0; i < ix.count; i++)
          listed.add(keyToContentId(ix.bytes, ix.keyOffset(i), ix.keySize));
        victim = { blob: id, content: c, listed };
        break;
      }
    }
    expect(victim, 'an index blob with random.bin chunks but not the last manifest').toBeDefined();
    await removeBlob(dir, victim!.blob);

    repo = await openFixtureDir(dir, 'kopia-default');
    const still = (await repo.snapshots()).find((s) => s.id === last.id);
    expect(still).toBeDefined();
    const err = await (async () => readAll(repo.open(await entryAt(repo, still!, RANDOM))))().catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MissingObjectError);
    const missing = String((err as MissingObjectError).data['contentId']);
    expect(victim!.listed.has(missing), `${missing} was listed by ${victim!.blob}`).toBe(true);
    expect((err as Error).message).toContain(missing);
  });

  it('damaged ECC shard: repaired, reported, and the file still matches', async () => {
    const name = 'kopia-ecc';
    const dir = await tempCopy(name);
    let repo = await openFixtureDir(dir, name);
    const snap = (await repo.snapshots())[0]!;
    const file = await entryAt(repo, snap, RANDOM);
    const expected = sha256(await readAll(repo.open(file)));
    const first = (await repo.chunks(file)[Symbol.asyncIterator]().next()).value!;
    const info = repo.contents.info(first.id as never);
    // a byte near the end of the stored content lies in the data region (parity comes first)
    await flipByte(await blobFile(dir, info.packBlobId), info.packOffset + info.packedLength - 100);

    const events: RepositoryEvent[] = [];
    repo = await openFixtureDir(dir, name, (e) => events.push(e));
    const again = await entryAt(repo, (await repo.snapshots())[0]!, RANDOM);
    expect(sha256(await readAll(repo.open(again)))).toBe(expected);
    const repaired = events.filter((e) => e.type === 'repaired');
    expect(repaired.length).toBeGreaterThan(0);
    expect(repaired[0]!.message).toContain(info.contentId);

    // and the whole snapshot still matches its manifest
    const f = fixture(name);
    expect(
      await compareSnapshotWithManifest(
        repo,
        (await repo.snapshots())[0]!,
        loadManifest(f.snapshots[0]!.manifest),
        f.expectedDifferences,
      ),
    ).toEqual([]);
  });
});
