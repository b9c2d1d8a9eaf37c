/**
 * Key files (spec §5): rustic_core's key1 opens with "test" to the master key in spec §21.1;
 * a wrong password is "not this key" (undefined, so the search goes on); key-failing
 * (N = 2^18, r = 1, which OpenSSL and Rust refuse) is derived like Go does and simply does not
 * open with "test"; malformed key files are integrity errors, unknown KDFs unsupported.
 */
import { expect, it } from 'vitest';

import { IntegrityError, UnsupportedFormatError } from '../../src/index.js';
import { openKeyFile } from '../../src/restic/keys.js';
import { key1MasterKey, keyFailing, scryptVectors } from '../crypto/vectors.js';

const enc = new TextEncoder();
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

it('key1 opens with its password to the known master key', async () => {
  const mk = await openKeyFile(enc.encode(scryptVectors[0]!.keyFile), enc.encode('test'), 'key1');
  const want = JSON.parse(key1MasterKey) as { mac: { k: string; r: string }; encrypt: string };
  expect(mk && [b64(mk.macK), b64(mk.macR), b64(mk.enc)]).toEqual([
    want.mac.k,
    want.mac.r,
    want.encrypt,
  ]);
  expect(
    await openKeyFile(enc.encode(scryptVectors[0]!.keyFile), enc.encode('wrong'), 'key1'),
  ).toBe(undefined);
});

it('key-failing is derived (Go-compatible) and does not open with "test"', async () => {
  expect(await openKeyFile(enc.encode(keyFailing), enc.encode('test'), 'key-failing')).toBe(
    undefined,
  );
});

it('malformed and unsupported key files', async () => {
  const pw = enc.encode('x');
  await expect(openKeyFile(enc.encode('{'), pw, 'k')).rejects.toBeInstanceOf(IntegrityError);
  await expect(
    openKeyFile(enc.encode('{"kdf":"argon2","N":2,"r":1,"p":1,"salt":"","data":""}'), pw, 'k'),
  ).rejects.toBeInstanceOf(UnsupportedFormatError);
  await expect(
    openKeyFile(
      enc.encode('{"kdf":"scrypt","N":1024,"r":1,"p":1,"salt":"AAAA","data":"AAAA"}'),
      pw,
      'k',
    ),
  ).rejects.toThrow(/salt/);
  const salt = b64(new Uint8Array(64).fill(1));
  await expect(
    openKeyFile(
      enc.encode(
        `{"kdf":"scrypt","N":1099511627776,"r":8,"p":1,"salt":"${salt}","data":"${b64(new Uint8Array(40))}"}`,
      ),
      pw,
      'k',
    ),
  ).rejects.toBeInstanceOf(UnsupportedFormatError);
});
