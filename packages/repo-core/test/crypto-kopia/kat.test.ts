/**
 * Known-answer tests for kopia's primitives (hashes, HKDF, PBKDF2, AEADs, content encryption),
 * run on BOTH paths (portable @noble, fast node:crypto / hash-wasm). Each run asserts from
 * `cryptoUsage` which path really ran. Vectors: ../vectors/README.md.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';

import { aes256GcmOpen } from '../../src/crypto/aes-gcm.js';
import { chacha20Poly1305Open } from '../../src/crypto/chacha20-poly1305.js';
import { hkdfSha256 } from '../../src/crypto/hkdf.js';
import { hmac } from '../../src/crypto/hmac.js';
import { createKopiaDecryptor, deriveKopiaContentKey } from '../../src/crypto/kopia-encryption.js';
import { createKopiaHasher, KOPIA_HASH_NAMES } from '../../src/crypto/kopia-hash.js';
import { pbkdf2Sha256 } from '../../src/crypto/pbkdf2.js';
import {
  cryptoUsage,
  resetCryptoUsage,
  setCryptoPath,
  type CryptoPath,
} from '../../src/crypto/select.js';
import { IntegrityError, UnsupportedFormatError } from '../../src/errors.js';

const enc = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const vectors = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8'));

interface Upstream {
  hkdf: { ikm: string; salt: string; info: string; length: number; okm: string }[];
  hash: {
    name: string;
    secret: string;
    cases: { data?: string; zeros?: number; digest: string }[];
  }[];
  encryption: {
    masterKey: string;
    K: string;
    itemKeys: Record<string, string>;
    cases: { iv: string; plaintext: string; algorithm: string; ciphertext: string }[];
  };
}
const upstream = vectors('kopia-upstream.json') as Upstream;

/** Made by test/vectors/gen (kopia v0.22.3's own hashing and encryption packages). */
interface Generated {
  hash: { name: string; secret: string; input: string; digest: string }[];
  encryption: {
    algorithm: string;
    masterKey: string;
    iv: string;
    plaintext: string;
    stored: string;
  }[];
}
const generated = vectors('kopia-crypto.json') as Generated;

/** Deterministic inputs named in the generated vectors (same recipe as gen/main.go). */
function input(spec: string): Uint8Array {
  const m = /^pattern:(\d+)$/.exec(spec);
  if (m) {
    const out = new Uint8Array(Number(m[1]));
    for (let i = 0; i < out.length; i++) out[i] = i % 251 ^ ((i >> 8) & 0xff);
    return out;
  }
  return unhex(spec);
}

afterAll(() => setCryptoPath('auto'));

describe.each<CryptoPath>(['portable', 'fast'])('%s path', (path) => {
  const other: CryptoPath = path === 'fast' ? 'portable' : 'fast';
  const use = () => {
    setCryptoPath(path);
    resetCryptoUsage();
  };
  const ran = (primitive: string) => {
    expect(cryptoUsage[primitive]?.[path] ?? 0, primitive).toBeGreaterThan(0);
    expect(cryptoUsage[primitive]?.[other] ?? 0, primitive).toBe(0);
  };

  it('HKDF-SHA256 matches kopia key_derivation_test.go', () => {
    use();
    for (const v of upstream.hkdf) {
      const okm = hkdfSha256(enc.encode(v.ikm), enc.encode(v.salt), enc.encode(v.info), v.length);
      expect(hex(okm)).toBe(v.okm);
    }
    ran('hkdf-sha256');
  });

  it('content hashes match kopia repository_test.go', async () => {
    use();
    for (const group of upstream.hash) {
      const h = await createKopiaHasher(group.name, enc.encode(group.secret));
      for (const c of group.cases) {
        const data = c.zeros !== undefined ? new Uint8Array(c.zeros) : enc.encode(c.data ?? '');
        expect(hex(h.hash(data))).toBe(c.digest);
      }
    }
    ran('hmac-sha256');
  });

  it('every kopia hash matches kopia v0.22.3 output', async () => {
    use();
    for (const v of generated.hash) {
      const h = await createKopiaHasher(v.name, unhex(v.secret));
      expect(hex(h.hash(input(v.input))), `${v.name} ${v.secret} ${v.input}`).toBe(v.digest);
    }
    const names = new Set(generated.hash.map((v) => v.name));
    expect([...names].sort()).toEqual([...KOPIA_HASH_NAMES].sort());
    for (const p of ['blake2b-256', 'blake2s-128', 'blake2s-256', 'blake3-256']) ran(p);
    for (const p of ['sha256', 'sha224', 'sha3-224', 'sha3-256']) ran(`hmac-${p}`);
  });

  it('derives K and item keys of spec §20', () => {
    use();
    const e = upstream.encryption;
    const k = deriveKopiaContentKey(enc.encode(e.masterKey));
    expect(hex(k)).toBe(e.K);
    for (const [iv, key] of Object.entries(e.itemKeys)) {
      expect(hex(hmac('sha256', k, enc.encode(iv)))).toBe(key);
    }
    ran('hkdf-sha256');
    ran('hmac-sha256');
  });

  it('decrypts kopia encryption_test.go samples', () => {
    use();
    const e = upstream.encryption;
    for (const c of e.cases) {
      const d = createKopiaDecryptor(c.algorithm, enc.encode(e.masterKey));
      const pt = d.decrypt(unhex(c.ciphertext), enc.encode(c.iv));
      expect(new TextDecoder().decode(pt)).toBe(c.plaintext);
    }
    ran('aes-256-gcm');
    ran('chacha20-poly1305');
  });

  it('decrypts items kopia v0.22.3 encrypted (sizes 0 .. 1 MiB)', () => {
    use();
    for (const v of generated.encryption) {
      const d = createKopiaDecryptor(v.algorithm, unhex(v.masterKey));
      const pt = d.decrypt(unhex(v.stored), unhex(v.iv));
      expect(hex(pt)).toBe(hex(input(v.plaintext)));
    }
    ran('aes-256-gcm');
    ran('chacha20-poly1305');
  });

  it('decrypts into a buffer of the plaintext length (sizes 0 .. 1 MiB, over 64 KiB slices)', () => {
    use();
    for (const v of generated.encryption) {
      const d = createKopiaDecryptor(v.algorithm, unhex(v.masterKey));
      const stored = unhex(v.stored);
      const into = new Uint8Array(stored.length - d.overhead);
      expect(d.decrypt(stored, unhex(v.iv), into)).toBe(into);
      expect(hex(into)).toBe(hex(input(v.plaintext)));
      // a flipped tag bit: IntegrityError, whatever the buffer holds afterwards
      const bad = stored.slice();
      bad[bad.length - 1]! ^= 0x01;
      expect(() => d.decrypt(bad, unhex(v.iv), new Uint8Array(into.length))).toThrow(
        IntegrityError,
      );
      expect(() => d.decrypt(stored, unhex(v.iv), new Uint8Array(into.length + 1))).toThrow(
        RangeError,
      );
    }
    ran('aes-256-gcm');
    ran('chacha20-poly1305');
  });

  it('rejects a flipped bit, a wrong iv and a short input with IntegrityError', () => {
    use();
    for (const v of generated.encryption.slice(0, 4)) {
      const d = createKopiaDecryptor(v.algorithm, unhex(v.masterKey));
      const stored = unhex(v.stored);
      for (const pos of [0, 12, stored.length - 1]) {
        const bad = stored.slice();
        bad[pos]! ^= 0x01;
        expect(() => d.decrypt(bad, unhex(v.iv))).toThrow(IntegrityError);
      }
      const iv = unhex(v.iv);
      iv[0]! ^= 0x80;
      expect(() => d.decrypt(stored, iv)).toThrow(IntegrityError);
      expect(() => d.decrypt(stored.subarray(0, 27), unhex(v.iv))).toThrow(IntegrityError);
    }
  });

  it('PBKDF2-SHA256 matches RFC 7914 §11 / node:crypto', async () => {
    use();
    // RFC 7914 §11: PBKDF2-HMAC-SHA256 (P="passwd", S="salt", c=1, dkLen=64)
    const out = await pbkdf2Sha256(enc.encode('passwd'), enc.encode('salt'), 1, 64);
    expect(hex(out)).toBe(
      '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc' +
        '49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
    );
    // RFC 7914 §11 second vector (c=80000)
    const out2 = await pbkdf2Sha256(enc.encode('Password'), enc.encode('NaCl'), 80000, 64);
    expect(hex(out2)).toBe(
      '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56' +
        'a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d',
    );
    ran('pbkdf2-sha256');
  });

  it('AEAD primitives refuse wrong key and nonce sizes with RangeError', () => {
    use();
    const k = new Uint8Array(32);
    const n = new Uint8Array(12);
    const sealed = new Uint8Array(16);
    expect(() => aes256GcmOpen(k.subarray(1), n, sealed, n)).toThrow(RangeError);
    expect(() => chacha20Poly1305Open(k, n.subarray(1), sealed, n)).toThrow(RangeError);
    expect(() => aes256GcmOpen(k, n, sealed.subarray(1), n)).toThrow(IntegrityError);
  });
});

describe('names', () => {
  it('an unknown hash or encryption is UnsupportedFormatError naming it', async () => {
    await expect(createKopiaHasher('MD5', new Uint8Array(32))).rejects.toThrow(
      UnsupportedFormatError,
    );
    await expect(createKopiaHasher('MD5', new Uint8Array(32))).rejects.toThrow(/"MD5"/);
    expect(() => createKopiaDecryptor('SALSA20', new Uint8Array(32))).toThrow(
      UnsupportedFormatError,
    );
    expect(() => createKopiaDecryptor('SALSA20', new Uint8Array(32))).toThrow(/"SALSA20"/);
  });

  it('BLAKE2S-128 without a secret is refused as kopia refuses it', async () => {
    await expect(createKopiaHasher('BLAKE2S-128', new Uint8Array(0))).rejects.toThrow(
      UnsupportedFormatError,
    );
  });
});
