/**
 * Damaged repositories give typed errors: wrong password, no repository, garbage or
 * unsupported config, missing pack, flipped byte in a pack (naming pack and blob), truncated
 * pack, deleted index file. Damage is done to copies of a repository the real restic made.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { ctr } from '@noble/ciphers/aes.js';

import {
  IntegrityError,
  MissingObjectError,
  openRepository,
  RepositoryNotFoundError,
  UnsupportedFormatError,
  WrongPasswordError,
  type Entry,
  type Repository,
} from '../../src/index.js';
import { poly1305Aes } from '../../src/crypto/poly1305-aes.js';
import type { ResticRepository } from '../../src/restic/repository.js';
import { cleanupMade, madeRepoCopy, PASSWORD } from './make-repo.js';

afterAll(cleanupMade);

/** every repository a test opens is closed after it, also when the test expected a read error */
const opened: Repository[] = [];
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});
async function open(path: string, password = PASSWORD): Promise<ResticRepository> {
  const repo = (await openRepository(path, { password, cacheDir: false })) as ResticRepository;
  opened.push(repo);
  return repo;
}

async function file(repo: Repository, name: string): Promise<Entry> {
  const [snap] = await repo.snapshots();
  for await (const e of repo.list(await repo.root(snap!))) if (e.displayName === name) return e;
  throw new Error(`${name} not in the snapshot`);
}

const readAll = async (repo: Repository, e: Entry) =>
  new Uint8Array(await new Response(repo.open(e)).arrayBuffer());

/** test-only: encrypt like restic (IV || AES-CTR || Poly1305-AES) to plant a config */
function encrypt(key: ResticRepository['key'], plain: Uint8Array): Uint8Array {
  const iv = crypto.getRandomValues(new Uint8Array(16));
  const ct = ctr(key.enc, iv).encrypt(plain);
  const tag = poly1305Aes(key.macK, key.macR, iv, ct);
  return Uint8Array.from([...iv, ...ct, ...tag]);
}

async function packOf(
  repo: ResticRepository,
  e: Entry,
): Promise<{ pack: string; blob: string; offset: number }> {
  const ref = e.ref as { content: string[] };
  const loc = (await repo.index()).lookup('data', ref.content[0]!)[0]!;
  return { pack: loc.packId, blob: loc.id, offset: loc.offset };
}

describe('damaged repositories', () => {
  it('reads the healthy copy completely', async () => {
    const repo = await open(await madeRepoCopy());
    expect((await readAll(repo, await file(repo, 'hello.txt'))).length).toBe(14);
  });

  it('wrong password → WrongPasswordError', async () => {
    await expect(open(await madeRepoCopy(), 'not the password')).rejects.toBeInstanceOf(
      WrongPasswordError,
    );
  });

  it('no repository → RepositoryNotFoundError', async () => {
    const path = await madeRepoCopy();
    await rm(join(path, 'config'));
    await expect(open(path)).rejects.toBeInstanceOf(RepositoryNotFoundError);
    await expect(open(join(path, 'nope'))).rejects.toBeInstanceOf(RepositoryNotFoundError);
  });

  it('garbage config → IntegrityError; version 3 → UnsupportedFormatError', async () => {
    const path = await madeRepoCopy();
    const good = await open(path);
    await writeFile(join(path, 'config'), crypto.getRandomValues(new Uint8Array(200)));
    await expect(open(path)).rejects.toBeInstanceOf(IntegrityError);
    const v3 = { version: 3, id: good.info.id, chunker_polynomial: '2e4ef501058435' };
    await writeFile(
      join(path, 'config'),
      encrypt(good.key, new TextEncoder().encode(JSON.stringify(v3))),
    );
    await expect(open(path)).rejects.toBeInstanceOf(UnsupportedFormatError);
  });

  it('missing pack → MissingObjectError naming the pack', async () => {
    const path = await madeRepoCopy();
    const repo = await open(path);
    const e = await file(repo, 'hello.txt');
    const { pack } = await packOf(repo, e);
    await rm(join(path, 'data', pack.slice(0, 2), pack));
    const err = await readAll(repo, e).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(MissingObjectError);
    expect((err as MissingObjectError).data.pack).toBe(pack);
    expect(String(err)).toContain(pack);
  });

  it('flipped byte in a pack → IntegrityError naming pack and blob', async () => {
    const path = await madeRepoCopy();
    const repo = await open(path);
    const e = await file(repo, 'hello.txt');
    const { pack, blob, offset } = await packOf(repo, e);
    const p = join(path, 'data', pack.slice(0, 2), pack);
    const bytes = await readFile(p);
    bytes[offset + 20]! ^= 0x40;
    await writeFile(p, bytes);
    const err = await readAll(repo, e).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).data).toMatchObject({ pack, blob });
    expect(String(err)).toContain(pack);
    expect(String(err)).toContain(blob);
  });

  it('truncated pack → IntegrityError', async () => {
    const path = await madeRepoCopy();
    const repo = await open(path);
    const e = await file(repo, 'big.bin');
    const ref = e.ref as { content: string[] };
    const loc = (await repo.index()).lookup('data', ref.content[ref.content.length - 1]!)[0]!;
    await truncate(join(path, 'data', loc.packId.slice(0, 2), loc.packId), loc.offset + 10);
    const err = await readAll(repo, e).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(String(err)).toContain(loc.packId);
  });

  it('a legacy (array) index file is read, with a warning', async () => {
    const path = await madeRepoCopy();
    const good = await open(path);
    for (const f of await readdir(join(path, 'index'))) {
      const doc = JSON.parse(new TextDecoder().decode(await good.readRaw('index', f))) as {
        packs: unknown[];
      };
      const stored = encrypt(good.key, new TextEncoder().encode(JSON.stringify(doc.packs)));
      await rm(join(path, 'index', f));
      await writeFile(
        join(path, 'index', createHash('sha256').update(stored).digest('hex')),
        stored,
      );
    }
    const events: string[] = [];
    const repo = await openRepository(path, {
      password: PASSWORD,
      cacheDir: false,
      onEvent: (e) => events.push(e.message),
    });
    expect((await readAll(repo, await file(repo, 'hello.txt'))).length).toBe(14);
    expect(events.some((m) => m.includes('legacy index'))).toBe(true);
  });

  it('deleted index file → MissingObjectError for blobs only it listed', async () => {
    const path = await madeRepoCopy();
    for (const f of await readdir(join(path, 'index'))) await rm(join(path, 'index', f));
    const repo = await open(path);
    const [snap] = await repo.snapshots();
    const err = await (async () => {
      for await (const _ of repo.list(await repo.root(snap!))) void _;
    })().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(MissingObjectError);
  });
});
