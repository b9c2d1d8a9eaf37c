/**
 * Known-answer vectors with provenance:
 * - poly1305Aes: restic internal/repository/crypto/crypto_int_test.go `poly1305Tests`
 *   (Bernstein's Poly1305-AES paper vectors), restic spec §21.1.
 * - resticObject: the same file, `testValues` (unclamped r).
 * - scrypt: rustic_core crates/core/tests/fixtures/key1 / key2 salts, outputs from spec §21.1
 *   (computed with OpenSSL, confirmed by the master keys they decrypt).
 * - sha256: FIPS 180-2 "abc"; restic internal/restic/id_test.go "foobar".
 */

export const poly1305AesVectors = [
  {
    msg: 'f3f6',
    r: '851fc40c3467ac0be05cc20404f3f700',
    k: 'ec074c835580741701425b623235add6',
    nonce: 'fb447350c4e868c52ac3275cf9d4327e',
    mac: 'f4c633c3044fc145f84f335cb81953de',
  },
  {
    msg: '',
    r: 'a0f3080000f46400d0c7e9076c834403',
    k: '75deaa25c09f208e1dc4ce6b5cad3fbf',
    nonce: '61ee09218d29b0aaed7e154a2c5509cc',
    mac: 'dd3fab2251f11ac759f0887129cc2ee7',
  },
  {
    msg: '663cea190ffb83d89593f3f476b6bc24d7e679107ea26adb8caf6652d0656136',
    r: '48443d0bb0d21109c89a100b5ce2c208',
    k: '6acb5f61a7176dd320c5c1eb2edcdc74',
    nonce: 'ae212a55399729595dea458bc621ff0e',
    mac: '0ee1c16bb73f0f4fd19881753c01cdbe',
  },
  {
    msg: 'ab0812724a7f1e342742cbed374d94d136c6b8795d45b3819830f2c04491faf0990c62e48b8018b2c3e4a0fa3134cb67fa83e158c994d961c4cb21095c1bf9',
    r: '12976a08c4426d0ce8a82407c4f48207',
    k: 'e1a5668a4d5b66a5f68cc5424ed5982d',
    nonce: '9ae831e743978d3a23527c7128149e3a',
    mac: '5154ad0d2cb26e01274fc51148491f1b',
  },
];

export const resticObject = {
  enc: '303e8687b1d7db18421bdc6bb8588ccadac4d59ee87b8ff70c44e635790cafef',
  macK: 'ef4d8824cb80b2bcc5fbff8a9b12a42c',
  macR: 'cc8d4b948ee0ebfe1d415de921d10353',
  object:
    '69fb41c62d12def4593bd71757138606338f621aeaeb39da0fe4f99233f8037a54ea63338a813bcf3f75d8c3cc75dddf8750',
  plaintext: 'Dies ist ein Test!',
};

/** rustic_core key1 (password "test") and key2 ("test2"): salt (base64) and expected output. */
export const scryptVectors = [
  {
    password: 'test',
    keyFile:
      '{"kdf":"scrypt","N":32768,"r":8,"p":6,"salt":"onIvDlHSFQHnmhBHIGD0WNY3GceOFTaxzxy7YgeSiqva+GhPRrH1+jxuxwcWiEg+WW55C3KurmLNhgZ1DJ75GA==","data":"PZUCr1IJQuOrgE2wKC26phAkP/CIFnvBJ+JEGub8DB4FRJ/nGvVPFr+pQRAE9GUbwHbdKYoZVVciYc0E8S5ggurAcu8VSdoRIg8z4iabKBi1YrTkG0+EZY+rlpm95LMfoDgeY6XxQ6egSd3GSk0WfT//YH7duDkCK3rYIczhOXWOCqzKR85z11YW1pB7uUDc2yiRXm+B5rrivz+ntb0wIg=="}',
    N: 32768,
    r: 8,
    p: 6,
    dk: 'e4eecdccc7ecce9f52ddaa4baf430be226701eb185737353227054dd26ed027eefc91a6e7cfa970b2356cfd1e97289a3317a32421c7fe69d06b883de62c3da10',
  },
];

/** rustic_core key-failing: N = 2^18 with r = 1 (OpenSSL refuses, Go accepts). */
export const keyFailing =
  '{"kdf":"scrypt","N":262144,"r":1,"p":1,"salt":"onIvDlHSFQHnmhBHIGD0WNY3GceOFTaxzxy7YgeSiqva+GhPRrH1+jxuxwcWiEg+WW55C3KurmLNhgZ1DJ75GA==","data":"PZUCr1IJQuOrgE2wKC26phAkP/CIFnvBJ+JEGub8DB4FRJ/nGvVPFr+pQRAE9GUbwHbdKYoZVVciYc0E8S5ggurAcu8VSdoRIg8z4iabKBi1YrTkG0+EZY+rlpm95LMfoDgeY6XxQ6egSd3GSk0WfT//YH7duDkCK3rYIczhOXWOCqzKR85z11YW1pB7uUDc2yiRXm+B5rrivz+ntb0wIg=="}';

/** Master key that key1 wraps (spec §21.1). */
export const key1MasterKey =
  '{"mac":{"k":"t0cusSHJr+8Xu8HovL+tgQ==","r":"UVVshsEqYnWO8B/3mV1zmA=="},"encrypt":"NHSQEePHBQlmkIRo11uNvXj/UrJ96R/IQd3xN4sOgEk="}';

export const sha256Vectors = [
  { msg: 'abc', hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
  { msg: 'foobar', hash: 'c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2' },
];
