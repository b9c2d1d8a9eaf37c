/**
 * scrypt (RFC 7914) for key files (restic spec §5.2). Fast: node:crypto (OpenSSL). Portable and
 * fallback: @noble/hashes, which also accepts N ≥ 2^(16·r) the way Go does where OpenSSL
 * refuses. Parameters are bounded before any work so a hostile key file cannot ask for
 * terabytes of memory.
 */

import { nodeCrypto } from './node-crypto.js';
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
  const { N, r, p, dkLen } = params;
  const nc = nodeCrypto;
  // OpenSSL rejects N >= 2^(16r) (RFC 7914's bound); Go and noble accept it.
  const opensslOk = N < 2 ** (16 * r);
  const path = opensslOk ? choosePath('scrypt', nc !== undefined) : 'portable';
  if (!opensslOk) countPath('scrypt', 'portable');
  if (path === 'fast' && nc) {
    const maxmem = 128 * N * r + 128 * r * p + 1024 * 1024;
    return await new Promise<Uint8Array>((resolve, reject) => {
      nc.scrypt(password, salt, dkLen, { N, r, p, maxmem }, (err, key) => {
        if (err) reject(err);
        else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
      });
    });
  }
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
