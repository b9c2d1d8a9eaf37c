/**
 * util/sinks.ts: both writers put a plaintext at every sink's place, refuse a sink of another
 * length before writing anything (IntegrityError naming the chunk), and report a write error;
 * SinkScratch hands each buffer to one user at a time and keeps a few for reuse.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { IntegrityError } from '../../src/errors.js';
import { SinkScratch, writeSinks, writeSinksAsync } from '../../src/util/sinks.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(): { file: string; fd: number } {
  const dir = mkdtempSync(join(tmpdir(), 'salvage-sinks-'));
  dirs.push(dir);
  const file = join(dir, 'f');
  return { file, fd: openSync(file, 'w+') };
}

const plain = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 13 + 7) & 0xff);

describe.each([
  ['writeSinks', async (...a: Parameters<typeof writeSinks>) => writeSinks(...a)],
  ['writeSinksAsync', writeSinksAsync],
] as const)('%s', (_name, write) => {
  it('writes the plaintext at every sink', async () => {
    const { file, fd } = tempFile();
    try {
      await write(
        plain,
        [
          { fd, pos: 150_000, length: plain.length },
          { fd, pos: 0, length: plain.length },
        ],
        'chunk x',
      );
    } finally {
      closeSync(fd);
    }
    const got = readFileSync(file);
    expect(got.length).toBe(250_000);
    expect(got.subarray(0, 100_000).equals(Buffer.from(plain))).toBe(true);
    expect(got.subarray(100_000, 150_000).every((b) => b === 0)).toBe(true);
    expect(got.subarray(150_000).equals(Buffer.from(plain))).toBe(true);
  });

  it('refuses a sink of another length before writing anything', async () => {
    const { file, fd } = tempFile();
    try {
      const err = await Promise.resolve()
        .then(() =>
          write(
            plain,
            [
              { fd, pos: 0, length: plain.length },
              { fd, pos: 200_000, length: plain.length + 1 },
            ],
            'chunk y',
          ),
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as Error).message).toMatch(/^chunk y: 100000 bytes where its file needs 100001/);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file).length).toBe(0);
  });

  it('reports a write error', async () => {
    const { fd } = tempFile();
    closeSync(fd);
    const err = await Promise.resolve()
      .then(() => write(plain, [{ fd: 1_000_000, pos: 0, length: plain.length }], 'chunk z'))
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('EBADF');
  });
});

describe('SinkScratch', () => {
  it('gives a buffer to one user at a time and reuses released ones', () => {
    const s = new SinkScratch(1);
    const a = s.take(10);
    const b = s.take(10);
    expect(a.buf === b.buf).toBe(false);
    expect(a.buf.length).toBeGreaterThanOrEqual(10);
    a.release();
    b.release(); // beyond `keep`: dropped
    const c = s.take(5);
    expect(c.buf === a.buf).toBe(true);
    c.release();
    // a larger request than any kept buffer gets a new one
    const d = s.take(a.buf.length + 1);
    expect(d.buf === a.buf).toBe(false);
    expect(d.buf.length).toBe(a.buf.length + 1);
  });
});
