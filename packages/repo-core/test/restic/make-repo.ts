/**
 * A small restic repository made at test time by the real restic binary (never hand-built):
 * a deterministic 24 MiB random file plus a few small files, 4 MiB packs so the big file spans
 * several packs. Used by the damage and ranged-read tests; each caller gets its own copy.
 */
import { createCipheriv } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runTool } from '../../../../test/harness/tools.js';

export const PASSWORD = 'salvage-made';
export const BIG_SIZE = 24 * 1024 * 1024 + 12345;

/** Deterministic pseudo-random bytes (AES-CTR keystream of a fixed key). */
export function randomBytesFixed(n: number, seed = 1): Buffer {
  const key = Buffer.alloc(16, seed);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

let made: Promise<string> | undefined;
const temps: string[] = [];

async function make(version: 1 | 2): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'salvage-made-'));
  temps.push(base);
  const src = join(base, 'src');
  await mkdir(join(src, 'dir'), { recursive: true });
  await writeFile(join(src, 'big.bin'), randomBytesFixed(BIG_SIZE));
  await writeFile(join(src, 'hello.txt'), 'hello, restic\n');
  await writeFile(join(src, 'dir', 'text.txt'), 'lorem ipsum dolor sit amet\n'.repeat(5000));
  const repo = join(base, 'repo');
  const env = { RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: join(base, 'restic-cache') };
  await runTool('restic', ['-r', repo, 'init', '--repository-version', String(version)], { env });
  await runTool(
    'restic',
    ['-r', repo, 'backup', '.', '--pack-size', '4', '--host', 'made', '--tag', 'one,two'],
    { env, cwd: src },
  );
  return repo;
}

/** A fresh private copy of the made (v2) repository. */
export async function madeRepoCopy(): Promise<string> {
  made ??= make(2);
  const source = await made;
  const dir = await mkdtemp(join(tmpdir(), 'salvage-made-copy-'));
  temps.push(dir);
  await cp(source, join(dir, 'repo'), { recursive: true });
  return join(dir, 'repo');
}

export async function cleanupMade(): Promise<void> {
  for (const t of temps.splice(0)) await rm(t, { recursive: true, force: true });
  made = undefined;
}
