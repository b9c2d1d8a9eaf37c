/**
 * One decrypted index blob, parsed in place: entries are read straight from the sorted bytes
 * (no per-entry objects), so loading millions of contents stays cheap. Both binary versions
 * present this shape; `parseIndexBlob` picks the parser from byte 0.
 * spec §10; kopia repo/content/index/index.go
 */

import { IntegrityError } from '../errors.js';
import { parseIndexV1 } from './index-v1.js';
import { parseIndexV2 } from './index-v2.js';

/** per-entry format facts (index v2 keeps them in a small table; v1 has one fixed row) */
export interface IndexFormat {
  readonly compressionHeaderId: number;
  readonly formatVersion: number;
  readonly encryptionKeyId: number;
}

export interface IndexBlob {
  readonly version: 1 | 2;
  readonly count: number;
  /** 1 + hash length; every key in the blob has it */
  readonly keySize: number;
  /** the raw decrypted bytes; key i is at `keyOffset(i)` */
  readonly bytes: Uint8Array;
  keyOffset(i: number): number;
  timestamp(i: number): number;
  deleted(i: number): boolean;
  packOffset(i: number): number;
  packedLength(i: number): number;
  originalLength(i: number): number;
  /** index into `formats` (or a value ≥ formats.length for an invalid one) */
  formatIndex(i: number): number;
  readonly formats: readonly IndexFormat[];
  /** index into `packs` (≥ packs.length means an invalid pack reference) */
  packIndex(i: number): number;
  readonly packs: readonly string[];
}

export function parseIndexBlob(bytes: Uint8Array, name: string, v1Overhead: number): IndexBlob {
  if (bytes.length < 1) throw new IntegrityError(`index blob ${name} is empty`, { blobId: name });
  switch (bytes[0]) {
    case 1:
      return parseIndexV1(bytes, name, v1Overhead);
    case 2:
      return parseIndexV2(bytes, name);
    default:
      throw new IntegrityError(`index blob ${name} has unknown version ${bytes[0]}`, {
        blobId: name,
      });
  }
}

export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function u24(b: Uint8Array, o: number): number {
  return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
}

export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** ASCII string at [off, off+len), bounds-checked */
export function asciiAt(b: Uint8Array, off: number, len: number, name: string): string {
  if (off + len > b.length) {
    throw new IntegrityError(`index blob ${name}: pack name out of bounds`, { blobId: name });
  }
  let s = '';
  for (let i = off; i < off + len; i++) s += String.fromCharCode(b[i]!);
  return s;
}
