/**
 * Access to node:zlib without making it a hard dependency, the same way crypto/node-crypto.ts
 * reaches node:crypto: `process.getBuiltinModule` (Node ≥ 20.16), undefined in a browser.
 */

import type * as NodeZlib from 'node:zlib';

type GetBuiltin = (id: string) => unknown;

function load(): typeof NodeZlib | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  try {
    return get('node:zlib') as typeof NodeZlib;
  } catch {
    return undefined;
  }
}

export const nodeZlib: typeof NodeZlib | undefined = load();
