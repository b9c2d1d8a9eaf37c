/**
 * Index blob version 1 (format v1 repositories).
 *
 *   header (8):  [0] version=1  [1] keySize  [2..4) entrySize=20  [4..8) entryCount
 *   entries:     entryCount × (key ‖ 20-byte value), sorted by key
 *   value (20):  [0..6) timestamp s  [6] formatVersion  [7] pack name length
 *                [8..12) absolute offset of the pack name  [12..16) bit31 deleted | packOffset
 *                [16..20) packedLength
 *   then the distinct pack names the values point at
 *
 * originalLength = packedLength − encryption overhead; no compression ids.
 * spec §10.2; kopia repo/content/index/index_v1.go
 */

import { IntegrityError } from '../errors.js';
import { asciiAt, u16, u32, type IndexBlob, type IndexFormat } from './index-blob.js';

const HEADER = 8;
const VALUE = 20;
const MAX_STRIDE = 256;
const EMPTY_KEY_SIZE = 255;

export function parseIndexV1(bytes: Uint8Array, name: string, overhead: number): IndexBlob {
  const bad = (why: string) =>
    new IntegrityError(`index blob ${name} (v1): ${why}`, { blobId: name });
  if (bytes.length < HEADER) throw bad('truncated header');
  const keySize = bytes[1]!;
  const valueSize = u16(bytes, 2);
  const count = u32(bytes, 4);
  if (keySize === EMPTY_KEY_SIZE && count === 0) return emptyV1(bytes);
  if (keySize <= 1 || valueSize !== VALUE) throw bad('invalid header');
  const stride = keySize + valueSize;
  if (stride > MAX_STRIDE) throw bad('entry stride too big');
  if (HEADER + count * stride > bytes.length) throw bad(`${count} entries do not fit`);

  // distinct pack names, keyed by their (offset, length) in the blob
  const packs: string[] = [];
  const packOf = new Int32Array(count);
  const byRef = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const v = HEADER + i * stride + keySize;
    const len = bytes[v + 7]!;
    const off = u32(bytes, v + 8);
    const ref = off * 256 + len;
    let p = byRef.get(ref);
    if (p === undefined) {
      p = packs.length;
      packs.push(asciiAt(bytes, off, len, name));
      byRef.set(ref, p);
    }
    packOf[i] = p;
  }
  const formats: IndexFormat[] = [{ compressionHeaderId: 0, formatVersion: 1, encryptionKeyId: 0 }];
  const val = (i: number) => HEADER + i * stride + keySize;
  return {
    version: 1,
    count,
    keySize,
    bytes,
    keyOffset: (i) => HEADER + i * stride,
    timestamp: (i) => {
      const v = val(i);
      return u16(bytes, v) * 2 ** 32 + u32(bytes, v + 2);
    },
    deleted: (i) => (bytes[val(i) + 12]! & 0x80) !== 0,
    packOffset: (i) => u32(bytes, val(i) + 12) & 0x7fffffff,
    packedLength: (i) => u32(bytes, val(i) + 16),
    originalLength: (i) => Math.max(0, u32(bytes, val(i) + 16) - overhead),
    formatIndex: () => 0,
    formats,
    packIndex: (i) => packOf[i]!,
    packs,
  };
}

function emptyV1(bytes: Uint8Array): IndexBlob {
  const none = (): number => 0;
  return {
    version: 1,
    count: 0,
    keySize: 0,
    bytes,
    keyOffset: none,
    timestamp: none,
    deleted: () => false,
    packOffset: none,
    packedLength: none,
    originalLength: none,
    formatIndex: none,
    formats: [],
    packIndex: none,
    packs: [],
  };
}
