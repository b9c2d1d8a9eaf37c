/**
 * scrypt (RFC 7914) for key files (restic spec §5.2, kopia's scrypt-65536-8-1). Parameters are
 * bounded before any work so a hostile key file cannot ask for terabytes of memory.
 *
 * Fast: our WebAssembly ROMix (scrypt-romix.ts) between two one-round PBKDF2-HMAC-SHA256
 * (node:crypto where it exists); its p independent lanes run two at a time interleaved, and on
 * worker threads where that pays (scrypt-lanes.ts). OpenSSL (node:crypto's scrypt) runs the
 * lanes one after another on one libuv thread. Measured on 2 cores, fresh processes: restic's
 * N=2^15 r=8 p=4 434 → 227 ms, kopia's N=2^16 r=8 p=1 259 → 189 ms. Where our path cannot run
 * (no WebAssembly, scratch memory refused) node:crypto's scrypt does. Both count as 'fast'. Portable (and the last resort): @noble/hashes, which also takes N ≥ 2^(16·r) the way
 * Go does where OpenSSL refuses; such keys (rare: r = 1) stay on it, as kat.test.ts pins.
 */

import { nodeCrypto } from './node-crypto.js';
import { pbkdf2Sha256Unchecked } from './pbkdf2.js';
import { romixLanes, type LaneOptions } from './scrypt-lanes.js';
import { romixModule } from './scrypt-romix.js';
import { choosePath, countPath } from './select.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  dkLen: number;
}

/** Largest scratch memory (128·N·r bytes) a key file may ask for. */
export const SCRYPT_MAX_MEMORY = 2 ** 31;

export class ScryptParamsError extends RangeError {}

export function checkScryptParams({ N, r, p, dkLen }: ScryptParams): void {
  const int = (v: number) => Number.isSafeInteger(v) && v >= 1;
  if (!int(N) || N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 30)
    throw new ScryptParamsError(`scrypt N must be a power of two > 1, got ${N}`);
  if (!int(r) || !int(p) || r * p >= 2 ** 30)
    throw new ScryptParamsError(`scrypt r and p must be ≥ 1 with r·p < 2^30, got r=${r} p=${p}`);
  if (!int(dkLen) || dkLen > 1024)
    throw new ScryptParamsError(`scrypt dkLen ${dkLen} out of range`);
  if (128 * N * r > SCRYPT_MAX_MEMORY || 128 * r * p > SCRYPT_MAX_MEMORY)
    throw new ScryptParamsError(
      `scrypt parameters N=${N} r=${r} p=${p} need more than ${SCRYPT_MAX_MEMORY} bytes of memory`,
    );
}

export async function scrypt(
  password: Uint8Array,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Uint8Array> {
  checkScryptParams(params);
  const { N, r } = params;
  const nc = nodeCrypto;
  // OpenSSL rejects N >= 2^(16r) (RFC 7914's bound); Go and noble accept it.
  if (N >= 2 ** (16 * r)) {
    countPath('scrypt', 'portable');
    return await scryptNoble(password, salt, params);
  }
  const ours = romixModule() !== undefined;
  if (choosePath('scrypt', ours || nc !== undefined) === 'portable')
    return await scryptNoble(password, salt, params);
  if (ours) {
    try {
      return await scryptWasm(password, salt, params);
    } catch {
      // e.g. the scratch memory refused: the same key from OpenSSL or noble
    }
  }
  return nc
    ? await scryptOpenSsl(password, salt, params)
    : await scryptNoble(password, salt, params);
}

/**
 * scrypt on our WebAssembly ROMix; throws where it cannot run. `lanes` overrides the threads
 * (tests, measurements).
 */
export async function scryptWasm(
  password: Uint8Array,
  salt: Uint8Array,
  { N, r, p, dkLen }: ScryptParams,
  lanes?: LaneOptions,
): Promise<Uint8Array> {
  // scrypt's steps 1 and 3: PBKDF2-HMAC-SHA256 with one round (lengths bounded by checkScryptParams)
  const fast = nodeCrypto !== undefined;
  const B = await pbkdf2Sha256Unchecked(password, salt, 1, 128 * r * p, fast);
  await romixLanes(B, r, N, p, lanes);
  return await pbkdf2Sha256Unchecked(password, B, 1, dkLen, fast);
}

function scryptOpenSsl(
  password: Uint8Array,
  salt: Uint8Array,
  { N, r, p, dkLen }: ScryptParams,
): Promise<Uint8Array> {
  const maxmem = 128 * N * r + 128 * r * p + 1024 * 1024;
  return new Promise<Uint8Array>((resolve, reject) => {
    nodeCrypto!.scrypt(password, salt, dkLen, { N, r, p, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
    });
  });
}

async function scryptNoble(
  password: Uint8Array,
  salt: Uint8Array,
  { N, r, p, dkLen }: ScryptParams,
): Promise<Uint8Array> {
  // the portable code loads only when it runs (at import it cost every start; see portable-module.ts)
  const { scryptAsync } = await import('@noble/hashes/scrypt.js');
  return await scryptAsync(password, salt, {
    N,
    r,
    p,
    dkLen,
    maxmem: 128 * N * r + 128 * r * p + 4096,
  });
}
