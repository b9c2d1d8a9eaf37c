/**
 * Typed restic ids (spec §3): 32-byte SHA-256 values, written as 64 lowercase hex characters.
 * Brands keep blob, pack, tree, snapshot and index ids from being swapped.
 */

export type Hex64 = string & { readonly __hex64: true };
export type BlobId = Hex64 & { readonly __blob: true };
export type PackId = Hex64 & { readonly __pack: true };
export type SnapshotId = Hex64 & { readonly __snapshot: true };
export type IndexId = Hex64 & { readonly __index: true };
export type KeyId = Hex64 & { readonly __key: true };

const HEX64 = /^[0-9a-fA-F]{64}$/;

export function isHex64(s: unknown): s is string {
  return typeof s === 'string' && HEX64.test(s);
}

const hexTable = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += hexTable[bytes[i]!];
  return s;
}

const nibble = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) nibble[48 + i] = i;
for (let i = 0; i < 6; i++) nibble[97 + i] = nibble[65 + i] = 10 + i;

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new RangeError(`bad hex ${hex}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const a = hex.charCodeAt(2 * i);
    const b = hex.charCodeAt(2 * i + 1);
    const hi = a < 128 ? nibble[a]! : -1;
    const lo = b < 128 ? nibble[b]! : -1;
    if (hi < 0 || lo < 0) throw new RangeError(`bad hex ${hex}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Base64 (standard alphabet) to bytes; throws on malformed input. */
export function fromBase64(s: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1)
    throw new RangeError('malformed base64');
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
