/** Shared steps of the kopia interop tests: open a fixture, find a file, locate its contents. */
import { createHash } from 'node:crypto';
import { open as openFile, readdir, rm, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

import {
  LocalStorage,
  openKopiaRepository,
  type Entry,
  type KopiaRepository,
  type RepositoryEvent,
  type Snapshot,
} from '@salvage/repo-core';

import { fixture } from '../harness/fixtures.js';

export async function openFixtureDir(
  dir: string,
  name: string,
  onEvent?: (e: RepositoryEvent) => void,
): Promise<KopiaRepository> {
  return openKopiaRepository(new LocalStorage(dir), {
    password: fixture(name).password,
    ...(onEvent ? { onEvent } : {}),
  });
}

/** the entry at a '/'-separated path below the snapshot root */
export async function entryAt(repo: KopiaRepository, snap: Snapshot, path: string): Promise<Entry> {
  let cur = await repo.root(snap);
  for (const part of path.split('/')) {
    let next: Entry | undefined;
    for await (const e of repo.list(cur)) if (e.displayName === part) next = e;
    if (!next) throw new Error(`no ${path} in snapshot ${snap.id}`);
    cur = next;
  }
  return cur;
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    parts.push(r.value);
  }
  return Buffer.concat(parts);
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** storage key of a blob id in a repository directory (found by walking it) */
export async function blobFile(root: string, blobId: string): Promise<string> {
  const walk = async (dir: string): Promise<string | undefined> => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) {
        const r = await walk(p);
        if (r) return r;
      } else {
        const id = relative(root, p).replaceAll('/', '').replace(/\.f$/, '');
        if (id === blobId) return p;
      }
    }
    return undefined;
  };
  const found = await walk(root);
  if (!found) throw new Error(`blob ${blobId} not found under ${root}`);
  return found;
}

/** xor one byte of a file in place */
export async function flipByte(file: string, offset: number): Promise<void> {
  const fh = await openFile(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, offset);
    b[0]! ^= 0x5a;
    await fh.write(b, 0, 1, offset);
  } finally {
    await fh.close();
  }
}

export async function removeBlob(root: string, blobId: string): Promise<void> {
  await unlink(await blobFile(root, blobId));
}

export async function removeTemp(dir: string): Promise<void> {
  await rm(dirname(dir), { recursive: true, force: true });
}
