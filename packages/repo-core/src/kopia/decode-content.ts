/**
 * Decoding one stored content, the same on the main thread (content-reader.ts) and in a decode
 * worker (decode-worker.ts): ECC strip → decrypt with the per-content key → decompress by the
 * index's header id → keyed hash against the content id. The codec (decryptor, hasher, ECC
 * strip) is built from the repository's settings, which are all a worker is sent to rebuild it.
 * spec §12, §5.3, §7.2a; kopia repo/content/committed_read_manager.go (decryptContentAndVerify)
 */

import { createKopiaDecryptor, type KopiaDecryptor } from '../crypto/kopia-encryption.js';
import { createKopiaHasher, type KopiaHasher } from '../crypto/kopia-hash.js';
import { IntegrityError, SalvageError, UnsupportedFormatError } from '../errors.js';
import type { RepositoryEvent } from '../model.js';
import type { EccStrip } from './blob-crypto.js';
import { decompressPayload } from './compression.js';
import type { ContentInfo } from './content-index.js';
import { createEccStrip } from './ecc.js';
import { parseContentId, toHex } from './ids.js';

/** The repository settings a content codec is built from (names and secrets only). */
export interface KopiaCodecSettings {
  readonly encryption: string;
  readonly masterKey: Uint8Array;
  readonly hash: string;
  readonly secret: Uint8Array;
  readonly ecc: string;
  readonly eccOverheadPercent: number;
}

export interface KopiaCodec {
  readonly decryptor: KopiaDecryptor;
  readonly hasher: KopiaHasher;
  readonly strip: EccStrip;
}

/** What decoding a content needs to know of it (from the index). */
export type ContentTarget = Pick<
  ContentInfo,
  'contentId' | 'packBlobId' | 'compressionHeaderId' | 'originalLength'
>;

/**
 * The decryptor, hasher and ECC strip of a repository; ECC repairs are reported to `emit`.
 * @throws UnsupportedFormatError for an algorithm this reader does not know.
 */
export async function createKopiaCodec(
  s: KopiaCodecSettings,
  emit: (e: RepositoryEvent) => void,
): Promise<KopiaCodec> {
  const decryptor = createKopiaDecryptor(s.encryption, s.masterKey);
  const hasher = await createKopiaHasher(s.hash, s.secret);
  let strip: EccStrip = (b) => b;
  if (s.ecc !== '' && s.eccOverheadPercent > 0) {
    if (s.ecc !== 'REED-SOLOMON-CRC32') {
      throw new UnsupportedFormatError(`unsupported kopia ECC algorithm "${s.ecc}"`, {
        ecc: s.ecc,
      });
    }
    strip = createEccStrip(s.eccOverheadPercent, emit);
  }
  return { decryptor, hasher, strip };
}

/** true when `data` hashes to content id `id` (§12 step 7) */
export function hashMatches(hasher: KopiaHasher, id: string, data: Uint8Array): boolean {
  const { hash } = parseContentId(id);
  const h = hasher.hash(data);
  return h.length === hash.length && toHex(h) === toHex(hash);
}

/** ECC → decrypt → decompress → verify (unless `verifyHash` is false), for one stored content */
export async function decodeContent(
  codec: KopiaCodec,
  verifyHash: boolean,
  info: ContentTarget,
  stored: Uint8Array,
): Promise<Uint8Array> {
  const id = info.contentId;
  const what = `content ${id} in pack ${info.packBlobId}`;
  const data = { contentId: id, blobId: info.packBlobId };
  const { hash } = parseContentId(id);
  let plain: Uint8Array;
  try {
    const unwrapped = codec.strip(stored, what);
    plain = codec.decryptor.decrypt(unwrapped, hash.subarray(Math.max(0, hash.length - 16)));
    if (info.compressionHeaderId !== 0) {
      plain = await decompressPayload(plain, what, {
        expectedHeader: info.compressionHeaderId,
        exactLength: info.originalLength,
        maxLength: info.originalLength,
      });
    }
  } catch (e) {
    if (e instanceof SalvageError && !(e instanceof IntegrityError)) throw e;
    throw new IntegrityError(
      `${what} is corrupt: ${e instanceof Error ? e.message : String(e)}`,
      data,
      { cause: e },
    );
  }
  if (verifyHash && !hashMatches(codec.hasher, id, plain)) {
    throw new IntegrityError(`${what} does not hash to its id`, data);
  }
  return plain;
}
