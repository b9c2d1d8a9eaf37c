/**
 * One-time Poly1305 (RFC 8439 §2.5) with a 32-byte key r || s; r is clamped inside.
 * Portable: @noble/ciphers (~257 MB/s). Fast: sodium-native crypto_onetimeauth (~4.3 GB/s),
 * an optionalDependency loaded at run time when present.
 */

import type * as NoblePoly1305 from '@noble/ciphers/_poly1305.js';

import { portableModule } from './portable-module.js';
import { choosePath } from './select.js';

const noblePoly1305 = portableModule<typeof NoblePoly1305>(
  '@noble/ciphers/_poly1305.js',
  () => import('@noble/ciphers/_poly1305.js'),
);

type OneTimeAuth = (out: Uint8Array, input: Uint8Array, key: Uint8Array) => void;

function loadSodium(): OneTimeAuth | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:module') as
    | { createRequire(url: string): (id: string) => unknown }
    | undefined;
  if (!mod) return undefined;
  try {
    const sodium = mod.createRequire(import.meta.url)('sodium-native') as {
      crypto_onetimeauth?: OneTimeAuth;
    };
    return typeof sodium.crypto_onetimeauth === 'function' ? sodium.crypto_onetimeauth : undefined;
  } catch {
    return undefined;
  }
}

const sodiumAuth = loadSodium();

/** True when the native Poly1305 (sodium-native) is loaded. */
export const poly1305FastAvailable = sodiumAuth !== undefined;

export function poly1305(key: Uint8Array, message: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new RangeError(`Poly1305 key must be 32 bytes, got ${key.length}`);
  if (choosePath('poly1305', sodiumAuth !== undefined) === 'fast' && sodiumAuth) {
    const out = new Uint8Array(16);
    sodiumAuth(out, message, key);
    return out;
  }
  return noblePoly1305().poly1305(message, key);
}
