/**
 * Index blob version 2 (format v2/v3 repositories).
 *
 *   header (17): [0] version=2  [1] keySize  [2..4) entrySize 16..19  [4..8) entryCount
 *                [8..12) packCount  [12] formatCount  [13..17) baseTimestamp
 *   entries at 17:           entryCount × (key ‖ entrySize value), sorted by key
 *   packs after the entries: packCount × [name length (1)] [absolute name offset (4)]
 *   formats after the packs: formatCount × [compressionHeaderID (4)] [formatVersion] [encKeyID]
 *   value: [0..4) timestamp − base  [4..8) bit31 deleted | packOffset
 *          [8..11) originalLength bits 0..23  [11..14) packedLength bits 0..23
 *          [14..16) pack index bits 0..15  [16] format index  [17] pack index bits 16..23
 *          [18] originalLength bits 24..27 (high nibble) | packedLength bits 24..27 (low nibble)
 *
 * spec §10.3; kopia repo/content/index/index_v2.go (openV2PackIndex, entryToInfoStruct)
 */

import { IntegrityError } from '../errors.js';
import { asciiAt, u16, u24, u32, type IndexBlob, type IndexFormat } from './index-blob.js';

const HEADER = 17;
const PACK_INFO = 5;
const FORMAT_INFO = 6;
const MAX_STRIDE = 256;

export function parseIndexV2(bytes: Uint8Array, name: string): IndexBlob {
  const bad = (why: string) =>
    new IntegrityError(`index blob ${name} (v2): ${why}`, { blobId: name });
  if (bytes.length < HEADER) throw bad('truncated header');
  const keySize = bytes[1]!;
  const entrySize = u16(bytes, 2);
  const count = u32(bytes, 4);
  const packCount = u32(bytes, 8);
  const formatCount = bytes[12]!;
  const base = u32(bytes, 13);
  if (keySize <= 1 || entrySize < 16 || entrySize > 19 || formatCount === 0xff) {
    throw bad('invalid header');
  }
  const stride = keySize + entrySize;
  if (stride > MAX_STRIDE) throw bad('entry stride too big');
  const packsOffset = HEADER + count * stride;
  const formatsOffset = packsOffset + packCount * PACK_INFO;
  if (formatsOffset + formatCount * FORMAT_INFO > bytes.length) {
    throw bad(`${count} entries, ${packCount} packs and ${formatCount} formats do not fit`);
  }
  const packs: string[] = new Array<string>(packCount);
  for (let i = 0; i < packCount; i++) {
    const p = packsOffset + i * PACK_INFO;
    packs[i] = asciiAt(bytes, u32(bytes, p + 1), bytes[p]!, name);
  }
  const formats: IndexFormat[] = [];
  for (let i = 0; i < formatCount; i++) {
    const f = formatsOffset + i * FORMAT_INFO;
    formats.push({
      compressionHeaderId: u32(bytes, f),
      formatVersion: bytes[f + 4]!,
      encryptionKeyId: bytes[f + 5]!,
    });
  }
  const val = (i: number) => HEADER + i * stride + keySize;
  const hasFormat = entrySize > 16;
  const hasPackHi = entrySize > 17;
  const hasLenHi = entrySize > 18;
  return {
    version: 2,
    count,
    keySize,
    bytes,
    keyOffset: (i) => HEADER + i * stride,
    timestamp: (i) => u32(bytes, val(i)) + base,
    deleted: (i) => (bytes[val(i) + 4]! & 0x80) !== 0,
    packOffset: (i) => u32(bytes, val(i) + 4) & 0x7fffffff,
    originalLength: (i) => {
      const v = val(i);
      const lo = u24(bytes, v + 8);
      return hasLenHi ? lo + (bytes[v + 18]! >> 4) * 0x1000000 : lo;
    },
    packedLength: (i) => {
      const v = val(i);
      const lo = u24(bytes, v + 11);
      return hasLenHi ? lo + (bytes[v + 18]! & 15) * 0x1000000 : lo;
    },
    formatIndex: (i) => (hasFormat ? bytes[val(i) + 16]! : 0),
    formats,
    packIndex: (i) => {
      const v = val(i);
      const lo = u16(bytes, v + 14);
      return hasPackHi ? lo | (bytes[v + 17]! << 16) : lo;
    },
    packs,
  };
}
