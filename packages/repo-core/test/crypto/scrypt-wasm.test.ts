/**
 * The WebAssembly ROMix module: the embedded SIMD bytes (src/crypto/scrypt-wasm-bytes.ts) are
 * exactly what the emitter (src/crypto/scrypt-wasm.ts) makes, and both variants compute ROMix
 * as node:crypto's scrypt does. `SCRYPT_WASM_WRITE=1 pnpm vitest run <this file>` rewrites the
 * embedded bytes after a change to the emitter.
 */
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { romixModule, RomixRunner, type RomixModule } from '../../src/crypto/scrypt-romix.js';
import { romixWasm } from '../../src/crypto/scrypt-wasm.js';

const BYTES_FILE = fileURLToPath(new URL('../../src/crypto/scrypt-wasm-bytes.ts', import.meta.url));

/** the text of scrypt-wasm-bytes.ts for the emitter's current output */
function bytesModuleText(): string {
  const b64 = Buffer.from(romixWasm(true)).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(`  '${b64.slice(i, i + 76)}',`);
  return [
    '/**',
    ' * GENERATED from scrypt-wasm.ts: romixWasm(true), the SIMD ROMix module, in base64. Do not',
    ' * edit: test/crypto/scrypt-wasm.test.ts checks that it is current, and rewrites it when run',
    ' * with SCRYPT_WASM_WRITE=1.',
    ' */',
    '',
    'export const ROMIX_SIMD_WASM = [',
    ...lines,
    "].join('');",
    '',
  ].join('\n');
}

it('the embedded SIMD module is the emitter’s output', () => {
  const text = bytesModuleText();
  if (process.env.SCRYPT_WASM_WRITE === '1') writeFileSync(BYTES_FILE, text);
  expect(readFileSync(BYTES_FILE, 'utf8')).toBe(text);
});

/** scrypt with our ROMix for the lanes (in pairs with `pairs`) and node:crypto's PBKDF2 around */
function scryptWith(
  romix: RomixModule,
  pw: Buffer,
  salt: Buffer,
  { N, r, p }: { N: number; r: number; p: number },
  pairs: boolean,
) {
  const B = new Uint8Array(pbkdf2Sync(pw, salt, 1, 128 * r * p, 'sha256'));
  const lane = (i: number) => B.subarray(i * 128 * r, (i + 1) * 128 * r);
  const runner = new RomixRunner(r, N, romix);
  for (let i = 0; i < p; i += pairs ? 2 : 1)
    if (pairs && i + 1 < p) runner.run2(lane(i), lane(i + 1));
    else runner.run(lane(i));
  return pbkdf2Sync(pw, B, 1, 64, 'sha256').toString('hex');
}

describe.each(['simd', 'scalar'] as const)('%s ROMix', (variant) => {
  const romix = () => {
    const m = variant === 'simd' ? romixModule() : romixModule('scalar');
    expect(m?.simd).toBe(variant === 'simd');
    return m!;
  };

  it.each([false, true])('equals node:crypto for random N, r, p (pairs: %s)', (pairs) => {
    const m = romix();
    for (let t = 0; t < 40; t++) {
      const params = { N: 2 ** (1 + (t % 12)), r: 1 + ((t * 5) % 8), p: 1 + (t % 4) };
      const pw = randomBytes(t % 20);
      const salt = randomBytes(t % 33);
      expect(scryptWith(m, pw, salt, params, pairs), JSON.stringify(params)).toBe(
        scryptSync(pw, salt, 64, params).toString('hex'),
      );
    }
  });
});

it('only the SIMD module runs two lanes interleaved (romix2)', () => {
  const exported = (m: RomixModule | undefined) =>
    WebAssembly.Module.exports(m!.module).map((e) => e.name);
  expect(exported(romixModule())).toEqual(['romix', 'romix2']);
  expect(exported(romixModule('scalar'))).toEqual(['romix']);
});

it('a lane stops between slices when asked, untouched; run to the end it is the same', () => {
  const m = romixModule()!;
  const r = 2;
  const N = 2 ** 14; // 2·N steps in slices of 4096: 8 slices
  const lane = new Uint8Array(128 * r).fill(5);
  const plain = lane.slice();
  new RomixRunner(r, N, m).run(plain);
  for (const run2 of [false, true]) {
    const runner = new RomixRunner(r, N, m);
    let asked = 0;
    const a = lane.slice();
    const b = lane.slice();
    const stopAt3 = () => ++asked > 3;
    expect(run2 ? runner.run2(a, b, stopAt3) : runner.run(a, stopAt3)).toBe(false);
    expect(asked).toBe(4);
    expect([a, b]).toEqual([lane, lane]);
    asked = 0;
    const never = () => (asked++, false);
    expect(run2 ? runner.run2(a, b, never) : runner.run(a, never)).toBe(true);
    expect(asked).toBe(8);
    expect(a).toEqual(plain);
    if (run2) expect(b).toEqual(plain);
  }
});
