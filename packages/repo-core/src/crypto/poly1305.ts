/**
 * One-time Poly1305 (RFC 8439 §2.5) with a 32-byte key r || s; r is clamped inside.
 * Portable: @noble/ciphers (~257 MB/s). Fast: sodium-native crypto_onetimeauth (~4.3 GB/s),
 * an optionalDependency loaded at run time when present: its prebuilt addon directly, else the
 * package, and only once it reproduces the RFC 8439 §2.5.2 vector.
 */

import type * as NoblePoly1305 from '@noble/ciphers/_poly1305.js';

import { portableModule } from './portable-module.js';
import { choosePath } from './select.js';

const noblePoly1305 = portableModule<typeof NoblePoly1305>(
  '@noble/ciphers/_poly1305.js',
  () => import('@noble/ciphers/_poly1305.js'),
);

type OneTimeAuth = (out: Uint8Array, input: Uint8Array, key: Uint8Array) => void;
type RawOneTimeAuth = (out: Uint8Array, input: Uint8Array, key: Uint8Array) => number;

interface NodeHost {
  platform: string;
  arch: string;
  dlopen(module: { exports: unknown }, filename: string): void;
  getBuiltinModule?: (id: string) => unknown;
}

// RFC 8439 §2.5.2 test vector: a binding that does not reproduce it is not used.
const RFC_KEY = '85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b';
const RFC_MESSAGE = 'Cryptographic Forum Research Group';
const RFC_TAG = 'a8061dc1305136c6c22b8baf0c0127a9';

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function unhex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function passesVector(auth: OneTimeAuth): boolean {
  const out = new Uint8Array(16);
  auth(out, new TextEncoder().encode(RFC_MESSAGE), unhex(RFC_KEY));
  return hex(out) === RFC_TAG;
}

/**
 * The prebuilt sodium-native addon opened directly: its index.js (108 KB of wrappers) and
 * its addon resolver cost 20–30 ms at start-up; the one function needed here costs ~3 ms.
 */
function loadPrebuiltBinding(host: NodeHost, req: NodeRequire): OneTimeAuth | undefined {
  try {
    const entry = req.resolve('sodium-native');
    const dir = entry.slice(0, Math.max(entry.lastIndexOf('/'), entry.lastIndexOf('\\')));
    const file = `${dir}/prebuilds/${host.platform}-${host.arch}/sodium-native.node`;
    const mod: { exports: { crypto_onetimeauth?: RawOneTimeAuth } } = { exports: {} };
    host.dlopen(mod, file);
    const raw = mod.exports.crypto_onetimeauth;
    if (typeof raw !== 'function') return undefined;
    return (out, input, key) => {
      const status = raw(out, input, key);
      if (status !== 0) throw new Error(`sodium crypto_onetimeauth failed with status ${status}`);
    };
  } catch {
    return undefined;
  }
}

function loadPackage(req: NodeRequire): OneTimeAuth | undefined {
  try {
    const sodium = req('sodium-native') as { crypto_onetimeauth?: OneTimeAuth };
    return typeof sodium.crypto_onetimeauth === 'function' ? sodium.crypto_onetimeauth : undefined;
  } catch {
    return undefined;
  }
}

type NodeRequire = ((id: string) => unknown) & { resolve(id: string): string };

function loadSodium(): OneTimeAuth | undefined {
  const host = (globalThis as { process?: NodeHost }).process;
  const mod = host?.getBuiltinModule?.('node:module') as
    | { createRequire(url: string): NodeRequire }
    | undefined;
  if (!host || !mod) return undefined;
  let req: NodeRequire;
  try {
    req = mod.createRequire(import.meta.url);
  } catch {
    return undefined;
  }
  const loaders = [() => loadPrebuiltBinding(host, req), () => loadPackage(req)];
  for (const load of loaders) {
    const auth = load();
    try {
      if (auth && passesVector(auth)) return auth;
    } catch {
      // a binding that throws on the vector is skipped like one that is absent
    }
  }
  return undefined;
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
