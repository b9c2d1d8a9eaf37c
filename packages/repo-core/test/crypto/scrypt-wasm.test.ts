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

/** scrypt with our ROMix for the lanes and node:crypto's PBKDF2 around it */
function scryptWith(romix: RomixModule, pw: Buffer, salt: Buffer, N: number, r: number, p: number) {
  const B = new Uint8Array(pbkdf2Sync(pw, salt, 1, 128 * r * p, 'sha256'));
  const runner = new RomixRunner(r, N, romix);
  for (let i = 0; i < p; i++) runner.run(B.subarray(i * 128 * r, (i + 1) * 128 * r));
  return pbkdf2Sync(pw, B, 1, 64, 'sha256').toString('hex');
}

describe.each(['simd', 'scalar'] as const)('%s ROMix', (variant) => {
  const romix = () => {
    const m = variant === 'simd' ? romixModule() : romixModule('scalar');
    expect(m?.simd).toBe(variant === 'simd');
    return m!;
  };

  it('equals node:crypto for random N, r, p', () => {
    const m = romix();
    for (let t = 0; t < 40; t++) {
      const N = 2 ** (1 + (t % 12));
      const r = 1 + ((t * 5) % 8);
      const p = 1 + (t % 3);
      const pw = randomBytes(t % 20);
      const salt = randomBytes(t % 33);
      expect(scryptWith(m, pw, salt, N, r, p), `N=${N} r=${r} p=${p}`).toBe(
        scryptSync(pw, salt, 64, { N, r, p }).toString('hex'),
      );
    }
  });
});
