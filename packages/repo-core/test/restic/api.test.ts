/**
 * The Repository surface beyond reading files: info, raw objects for `salvage cat`, chunks,
 * content ids, and the guard rails (a file is not a directory, ids must be full).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';

import { openRepository, UsageError, type Entry, type Repository } from '../../src/index.js';
import { cleanupMade, madeRepoCopy, PASSWORD } from './make-repo.js';

let repo: Repository;
let entries: Entry[];

beforeAll(async () => {
  repo = await openRepository(await madeRepoCopy(), { password: PASSWORD, cacheDir: false });
  const [snap] = await repo.snapshots();
  entries = [];
  for await (const e of repo.list(await repo.root(snap!))) entries.push(e);
});
afterAll(async () => {
  await repo.close();
  await cleanupMade();
});

const text = (b: Uint8Array) => new TextDecoder().decode(b);

it('describes itself', () => {
  expect(repo.info).toMatchObject({ format: 'restic', version: 2 });
  expect(repo.info.id).toMatch(/^[0-9a-f]{64}$/);
});

it('reads raw objects by kind', async () => {
  expect(repo.rawKinds().map((k) => k.name)).toEqual([
    'config',
    'key',
    'snapshot',
    'index',
    'tree',
    'blob',
  ]);
  const config = JSON.parse(text(await repo.readRaw('config'))) as { version: number; id: string };
  expect(config).toMatchObject({ version: 2, id: repo.info.id });
  const [snap] = await repo.snapshots();
  const sj = JSON.parse(text(await repo.readRaw('snapshot', snap!.id))) as {
    tree: string;
    tags: string[];
  };
  expect(sj.tags).toEqual(['one', 'two']);
  const tree = text(await repo.readRaw('tree', sj.tree));
  expect(tree.startsWith('{"nodes":[')).toBe(true);
  expect(tree.endsWith('\n')).toBe(true);
  const hello = entries.find((e) => e.displayName === 'hello.txt')!;
  const chunks = [];
  for await (const c of repo.chunks(hello)) chunks.push(c);
  expect(chunks).toHaveLength(1);
  expect(text(await repo.readRaw('blob', chunks[0]!.id))).toBe('hello, restic\n');
  await expect(repo.readRaw('blob', 'abcd')).rejects.toBeInstanceOf(UsageError);
  await expect(repo.readRaw('pack', snap!.id)).rejects.toBeInstanceOf(UsageError);
});

it('gives content ids and refuses wrong entry kinds', async () => {
  const dir = entries.find((e) => e.type === 'dir')!;
  const file = entries.find((e) => e.type === 'file')!;
  expect(dir.contentId).toMatch(/^[0-9a-f]{64}$/);
  expect(file.contentId).toMatch(/^file:[0-9a-f]{64}$/);
  expect(() => repo.open(dir)).toThrow(UsageError);
  await expect(
    (async () => {
      for await (const _ of repo.list(file)) void _;
    })(),
  ).rejects.toBeInstanceOf(UsageError);
});
