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
import { concatBytes } from '../util/concat.js';
import { ownBuffer, type RunOutput } from '../util/run-pool.js';
import { SinkScratch, SUNK, writeSinks, type Sink } from '../util/sinks.js';

/** this thread's buffer for contents that go to sinks (decodeContentRun) */
const sinkScratch = new SinkScratch();

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

/**
 * ECC → decrypt → decompress → verify (unless `verifyHash` is false), for one stored content.
 * With `into` (a slot of the index's originalLength bytes) an uncompressed content is decrypted
 * straight into it and the result is that slot; otherwise (compressed, or lengths that do not
 * agree) a new buffer comes back and `into` is left alone, so the caller copies or falls back.
 */
export async function decodeContent(
  codec: KopiaCodec,
  verifyHash: boolean,
  info: ContentTarget,
  stored: Uint8Array,
  into?: Uint8Array,
): Promise<Uint8Array> {
  const id = info.contentId;
  const what = `content ${id} in pack ${info.packBlobId}`;
  const data = { contentId: id, blobId: info.packBlobId };
  const { hash } = parseContentId(id);
  let plain: Uint8Array;
  try {
    const unwrapped = codec.strip(stored, what);
    const direct =
      into !== undefined &&
      info.compressionHeaderId === 0 &&
      into.length === unwrapped.length - codec.decryptor.overhead;
    plain = codec.decryptor.decrypt(
      unwrapped,
      hash.subarray(Math.max(0, hash.length - 16)),
      direct ? into : undefined,
    );
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

/**
 * A run of several contents decodes into one buffer, each uncompressed content decrypted straight
 * into its slot (its length is the index's originalLength), any other copied there as soon as it
 * is decoded, so at most one content's plaintext is held besides it. Should a content's length differ from the index's (an index that cannot
 * know it, e.g. v1 with ECC), the rest are gathered and joined at the end instead. A single
 * content keeps its own buffer. A content with sinks (util/sinks.ts) is decoded into this thread's
 * reused scratch instead, written to its sinks at once, and takes no room in the answer. Worker
 * threads and the calling thread (decode-pool.ts) both decode runs this way.
 */
export async function decodeContentRun(
  codec: KopiaCodec,
  verifyHash: boolean,
  input: Uint8Array,
  contents: readonly (ContentTarget & {
    readonly offset: number;
    readonly length: number;
    readonly sinks?: readonly Sink[];
  })[],
): Promise<RunOutput> {
  const stored = (c: { readonly offset: number; readonly length: number }) =>
    input.subarray(c.offset, c.offset + c.length);
  if (contents.length === 1 && !contents[0]!.sinks) {
    const plain = await decodeContent(codec, verifyHash, contents[0]!, stored(contents[0]!));
    return { data: ownBuffer(plain), ends: [plain.length] };
  }
  const ends: number[] = [];
  let total = 0;
  let sunk = 0;
  for (const c of contents) {
    if (c.sinks) sunk = Math.max(sunk, c.originalLength);
    else total += c.originalLength;
    ends.push(total);
  }
  const out = new Uint8Array(total);
  const scratch = sunk > 0 ? sinkScratch.take(sunk) : undefined;
  let plains: Uint8Array[] | undefined;
  try {
    for (let i = 0; i < contents.length; i++) {
      const c = contents[i]!;
      if (c.sinks) {
        const into = scratch!.buf.subarray(0, c.originalLength);
        const plain = await decodeContent(codec, verifyHash, c, stored(c), into);
        writeSinks(plain, c.sinks, `content ${c.contentId}`);
        plains?.push(SUNK);
        continue;
      }
      const slot = plains ? undefined : out.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]);
      const plain = await decodeContent(codec, verifyHash, c, stored(c), slot);
      if (plain === slot) continue; // decrypted in place
      if (!plains && plain.length === c.originalLength) {
        out.set(plain, i === 0 ? 0 : ends[i - 1]);
      } else {
        plains ??= ends.slice(0, i).map((end, j) => out.subarray(j === 0 ? 0 : ends[j - 1], end));
        plains.push(plain);
      }
    }
  } finally {
    scratch?.release();
  }
  if (!plains) return { data: out.buffer, ends };
  let at = 0;
  const joinedEnds = plains.map((p) => (at += p.length));
  const joined = new Uint8Array(at);
  concatBytes(plains, at, joined);
  return { data: joined.buffer, ends: joinedEnds };
}
