/**
 * --verify: re-read a restored file from disk and check it, chunk by chunk against the
 * repository's chunk ids when the format can (`chunkMatches`), otherwise against the SHA-256 of
 * each range taken while it was written. restic `internal/restorer/restorer.go` (verifyFile).
 */

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { IntegrityError } from '../../errors.js';
import type { Entry, Repository } from '../../model.js';
import { matchingChunks, type RangeHash } from './file-content.js';

export async function verifyFile(
  repo: Pick<Repository, 'chunks' | 'chunkMatches'>,
  entry: Entry,
  path: Buffer,
  hashes: readonly RangeHash[],
): Promise<void> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new IntegrityError(`restored ${path.toString()} is not a regular file`);
    if (st.size !== entry.size) {
      throw new IntegrityError(
        `restored ${path.toString()} has ${st.size} bytes, the snapshot says ${entry.size}`,
        { path: path.toString() },
      );
    }
    if (repo.chunkMatches) {
      const chunks = [];
      for await (const c of repo.chunks(entry)) chunks.push(c);
      const ok = await matchingChunks(repo, chunks, fh, st.size);
      const bad = ok.indexOf(false);
      if (bad >= 0) {
        throw new IntegrityError(
          `restored ${path.toString()} differs from chunk ${chunks[bad]!.id} at offset ${chunks[bad]!.offset}`,
          { path: path.toString(), chunk: chunks[bad]!.id },
        );
      }
      return;
    }
    for (const h of hashes) {
      const buf = Buffer.allocUnsafe(h.length);
      const { bytesRead } = await fh.read(buf, 0, h.length, h.offset);
      const got = createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex');
      if (got !== h.sha256) {
        throw new IntegrityError(`restored ${path.toString()} differs at offset ${h.offset}`, {
          path: path.toString(),
        });
      }
    }
  } finally {
    await fh.close();
  }
}
