/**
 * kopia's content hash functions, selected by the repository's `hash` name and keyed with its
 * HMAC `secret` (spec §4; kopia repo/hashing/sha_hashes.go, blake_hashes.go, blake3_hashes.go).
 * A content ID is the hex of this digest, with an optional prefix letter (spec §8).
 */

import { UnsupportedFormatError } from '../errors.js';
import { blake3DeriveKey, blakeSize, keyedBlake, type BlakeAlgorithm } from './blake.js';
import { hmac, hmacSize, type HmacAlgorithm } from './hmac.js';

/** Every hash name kopia registers (v0.9 … v0.23). */
export const KOPIA_HASH_NAMES = [
  'BLAKE2B-256-128',
  'BLAKE2B-256',
  'BLAKE2S-128',
  'BLAKE2S-256',
  'BLAKE3-256',
  'BLAKE3-256-128',
  'HMAC-SHA256',
  'HMAC-SHA256-128',
  'HMAC-SHA224',
  'HMAC-SHA3-224',
  'HMAC-SHA3-256',
] as const;

export type KopiaHashName = (typeof KOPIA_HASH_NAMES)[number];

export interface KopiaHasher {
  readonly name: KopiaHashName;
  /** Digest length in bytes after truncation. */
  readonly size: number;
  /** The digest of `data` (a fresh array the caller may keep). */
  hash(data: Uint8Array): Uint8Array;
}

type Recipe =
  | { kind: 'hmac'; alg: HmacAlgorithm; size: number }
  | { kind: 'blake'; alg: BlakeAlgorithm; size: number };

// spec §4 table: construction and truncated output length.
const RECIPES: Record<KopiaHashName, Recipe> = {
  'BLAKE2B-256-128': { kind: 'blake', alg: 'blake2b-256', size: 16 },
  'BLAKE2B-256': { kind: 'blake', alg: 'blake2b-256', size: 32 },
  'BLAKE2S-128': { kind: 'blake', alg: 'blake2s-128', size: 16 },
  'BLAKE2S-256': { kind: 'blake', alg: 'blake2s-256', size: 32 },
  'BLAKE3-256': { kind: 'blake', alg: 'blake3-256', size: 32 },
  'BLAKE3-256-128': { kind: 'blake', alg: 'blake3-256', size: 16 },
  'HMAC-SHA256': { kind: 'hmac', alg: 'sha256', size: 32 },
  'HMAC-SHA256-128': { kind: 'hmac', alg: 'sha256', size: 16 },
  'HMAC-SHA224': { kind: 'hmac', alg: 'sha224', size: 28 },
  'HMAC-SHA3-224': { kind: 'hmac', alg: 'sha3-224', size: 28 },
  'HMAC-SHA3-256': { kind: 'hmac', alg: 'sha3-256', size: 32 },
};

export function isKopiaHashName(name: string): name is KopiaHashName {
  return Object.hasOwn(RECIPES, name);
}

const BLAKE3_KEY_SIZE = 32;
const BLAKE3_CONTEXT = 'kopia blake3 derived key v1';

// kopia repo/hashing/blake3_hashes.go: a secret shorter than 32 bytes is stretched with
// derive_key; a longer one is cut to its first 32 bytes.
function blake3Key(secret: Uint8Array): Uint8Array {
  return secret.length < BLAKE3_KEY_SIZE
    ? blake3DeriveKey(BLAKE3_CONTEXT, secret, BLAKE3_KEY_SIZE)
    : secret.slice(0, BLAKE3_KEY_SIZE);
}

function truncating(full: number, size: number, f: (d: Uint8Array) => Uint8Array) {
  return size === full ? f : (d: Uint8Array) => f(d).slice(0, size);
}

/**
 * The hash function `name` keyed with `secret`. Each call takes the path `select.ts` chooses
 * (node:crypto / hash-wasm, or @noble).
 *
 * @throws UnsupportedFormatError for an unknown name, or a secret kopia itself would refuse.
 */
export async function createKopiaHasher(name: string, secret: Uint8Array): Promise<KopiaHasher> {
  if (!isKopiaHashName(name)) {
    throw new UnsupportedFormatError(`unsupported kopia hash algorithm "${name}"`, {
      hash: name,
      supported: [...KOPIA_HASH_NAMES],
    });
  }
  const r = RECIPES[name];
  const size = r.size;
  if (r.kind === 'hmac') {
    const key = secret.slice();
    const alg = r.alg;
    return { name, size, hash: truncating(hmacSize(alg), size, (d) => hmac(alg, key, d)) };
  }
  if (r.alg === 'blake2s-128' && secret.length === 0) {
    // Go's blake2s.New128 requires a key, so kopia cannot create such a repository.
    throw new UnsupportedFormatError(`kopia hash ${name} needs a non-empty secret`, { hash: name });
  }
  const key = r.alg === 'blake3-256' ? blake3Key(secret) : secret;
  let f;
  try {
    f = await keyedBlake(r.alg, key);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new UnsupportedFormatError(
      `kopia hash ${name}: a secret of ${secret.length} bytes is not allowed`,
      { hash: name, secretLength: secret.length },
      { cause: e },
    );
  }
  return { name, size, hash: truncating(blakeSize(r.alg), size, f) };
}
