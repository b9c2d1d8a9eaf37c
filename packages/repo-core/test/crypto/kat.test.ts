/**
 * Known-answer tests for restic's primitives, run on BOTH crypto paths (portable @noble and fast
 * node:crypto / sodium-native); each run asserts from `cryptoUsage` which path really ran.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { aesCtr, aesCtrInto, aesEncryptBlock } from '../../src/crypto/aes-ctr.js';
import { constantTimeEqual } from '../../src/crypto/ct-equal.js';
import { poly1305Aes } from '../../src/crypto/poly1305-aes.js';
import { poly1305FastAvailable } from '../../src/crypto/poly1305.js';
import { scrypt } from '../../src/crypto/scrypt.js';
import {
  cryptoUsage,
  resetCryptoUsage,
  setCryptoPath,
  type CryptoPath,
} from '../../src/crypto/select.js';
import { createSha256, sha256, sha256Hex } from '../../src/crypto/sha256.js';
import { decryptObject, DecryptError } from '../../src/restic/crypto.js';
import { fromBase64, fromHex, toHex } from '../../src/restic/ids.js';
import {
  keyFailing,
  poly1305AesVectors,
  resticObject,
  scryptVectors,
  sha256Vectors,
} from './vectors.js';

const enc = new TextEncoder();

/** the key of restic's `testValues` object (vectors.ts resticObject) */
function resticObjectKey(): { enc: Uint8Array; macK: Uint8Array; macR: Uint8Array } {
  return {
    enc: fromHex(resticObject.enc),
    macK: fromHex(resticObject.macK),
    macR: fromHex(resticObject.macR),
  };
}

afterAll(() => setCryptoPath('auto'));

it('the fast Poly1305 (sodium-native) is installed here', () => {
  // it is an optionalDependency; this machine must have it, or the fast path is not tested
  expect(poly1305FastAvailable).toBe(true);
});

describe.each<CryptoPath>(['portable', 'fast'])('%s path', (path) => {
  const other: CryptoPath = path === 'fast' ? 'portable' : 'fast';
  const use = () => {
    setCryptoPath(path);
    resetCryptoUsage();
  };
  const ran = (primitive: string) => {
    expect(cryptoUsage[primitive]?.[path] ?? 0).toBeGreaterThan(0);
    expect(cryptoUsage[primitive]?.[other] ?? 0).toBe(0);
  };

  it('Poly1305-AES matches restic poly1305Tests', () => {
    use();
    for (const v of poly1305AesVectors) {
      const mac = poly1305Aes(fromHex(v.k), fromHex(v.r), fromHex(v.nonce), fromHex(v.msg));
      expect(toHex(mac)).toBe(v.mac);
    }
    ran('poly1305');
    ran('aes-block');
  });

  it('AES block encryption matches FIPS-197 C.1 and C.3, also with a reused key array', () => {
    use();
    const block = fromHex('00112233445566778899aabbccddeeff');
    const key = fromHex('000102030405060708090a0b0c0d0e0f');
    for (let i = 0; i < 2; i++)
      expect(toHex(aesEncryptBlock(key, block))).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
    key[0] = 1; // the same array now holds another key: no stale cipher may answer
    expect(toHex(aesEncryptBlock(key, block))).not.toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
    key[0] = 0;
    expect(toHex(aesEncryptBlock(key, block))).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
    const key256 = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    expect(toHex(aesEncryptBlock(key256, block))).toBe('8ea2b7ca516745bfeafc49904b496089');
    ran('aes-block');
  });

  it('decrypts restic testValues (unclamped r) and rejects any flipped byte', () => {
    use();
    const key = resticObjectKey();
    const obj = fromHex(resticObject.object);
    expect(new TextDecoder().decode(decryptObject(key, obj))).toBe(resticObject.plaintext);
    ran('aes-ctr');
    for (const at of [0, 15, 16, 30, obj.length - 16, obj.length - 1]) {
      const bad = obj.slice();
      bad[at]! ^= 0x01;
      expect(() => decryptObject(key, bad)).toThrow(DecryptError);
    }
    const zeroNonce = obj.slice();
    zeroNonce.fill(0, 0, 16);
    expect(() => decryptObject(key, zeroNonce)).toThrow(/nonce/);
    expect(() => decryptObject(key, obj.subarray(0, 31))).toThrow(/too short/);
  });

  it('AES-256-CTR carries the counter across all 128 bits', () => {
    use();
    const key = fromHex(resticObject.enc);
    const iv = fromHex('ffffffffffffffffffffffffffffffff');
    const data = new Uint8Array(64).fill(7);
    const a = aesCtr(key, iv, data);
    // block 1 uses counter 0 (wrapped): equals block 0 of a CTR run started at zero
    const b = aesCtr(key, new Uint8Array(16), data.subarray(16, 32));
    expect(toHex(a.subarray(16, 32))).toBe(toHex(b));
    ran('aes-ctr');
  });

  it('AES-CTR into a buffer equals aesCtr across 64 KiB slices, the counter wrapping at a slice edge', () => {
    use();
    const key = fromHex(resticObject.enc);
    // 2^128 - 4096 blocks: the counter wraps exactly where the second 64 KiB slice starts
    const iv = fromHex('fffffffffffffffffffffffffffff000');
    const data = new Uint8Array(200_003);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
    for (const n of [0, 1, 65_535, 65_536, 65_537, 131_072, 200_003]) {
      const want = aesCtr(key, iv, data.subarray(0, n));
      const out = new Uint8Array(n);
      expect(aesCtrInto(key, iv, data.subarray(0, n), out)).toBe(out);
      expect(toHex(out)).toBe(toHex(want));
    }
    expect(() => aesCtrInto(key, iv, data.subarray(0, 16), new Uint8Array(17))).toThrow(RangeError);
    ran('aes-ctr');
  });

  it('decryptObject into a buffer: the same plaintext; a failed MAC leaves the buffer untouched', () => {
    use();
    const key = resticObjectKey();
    const obj = fromHex(resticObject.object);
    const into = new Uint8Array(obj.length - 32);
    expect(new TextDecoder().decode(decryptObject(key, obj, into))).toBe(resticObject.plaintext);
    const bad = obj.slice();
    bad[20]! ^= 1;
    const untouched = new Uint8Array(obj.length - 32).fill(0xee);
    expect(() => decryptObject(key, bad, untouched)).toThrow(DecryptError);
    expect(untouched.every((x) => x === 0xee)).toBe(true);
  });

  it('SHA-256 vectors, one-shot and incremental', () => {
    use();
    for (const v of sha256Vectors) {
      expect(toHex(sha256(enc.encode(v.msg)))).toBe(v.hash);
      expect(sha256Hex(enc.encode(v.msg))).toBe(v.hash);
      const h = createSha256();
      for (const ch of enc.encode(v.msg)) h.update(new Uint8Array([ch]));
      expect(toHex(h.digest())).toBe(v.hash);
    }
    ran('sha256');
  });

  it('scrypt of rustic_core key1 (N=2^15, r=8, p=6)', async () => {
    use();
    for (const v of scryptVectors) {
      const kf = JSON.parse(v.keyFile) as { salt: string };
      const dk = await scrypt(enc.encode(v.password), fromBase64(kf.salt), {
        N: v.N,
        r: v.r,
        p: v.p,
        dkLen: 64,
      });
      expect(toHex(dk)).toBe(v.dk);
    }
    ran('scrypt');
  });
});

it('scrypt falls back to the portable path for N ≥ 2^(16r), which OpenSSL refuses', async () => {
  setCryptoPath('auto');
  resetCryptoUsage();
  const kf = JSON.parse(keyFailing) as { salt: string; N: number; r: number; p: number };
  const dk = await scrypt(enc.encode('test'), fromBase64(kf.salt), {
    N: kf.N,
    r: kf.r,
    p: kf.p,
    dkLen: 64,
  });
  expect(dk.length).toBe(64);
  expect(cryptoUsage.scrypt).toEqual({ fast: 0, portable: 1 });
});

it('scrypt refuses absurd parameters before allocating', async () => {
  const salt = new Uint8Array(64);
  await expect(scrypt(new Uint8Array(), salt, { N: 3, r: 8, p: 1, dkLen: 64 })).rejects.toThrow(
    /power of two/,
  );
  await expect(
    scrypt(new Uint8Array(), salt, { N: 2 ** 30, r: 8, p: 1, dkLen: 64 }),
  ).rejects.toThrow(/memory/);
});

it('constant-time compare', () => {
  expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
  expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
  expect(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 3]))).toBe(false);
});
