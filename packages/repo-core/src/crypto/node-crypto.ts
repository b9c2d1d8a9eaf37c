/**
 * Access to node:crypto without making it a hard dependency: resolved once at load time through
 * `process.getBuiltinModule` (Node ≥ 20.16), so bundles for a browser simply see no fast path.
 */

import type * as NodeCrypto from 'node:crypto';

type GetBuiltin = (id: string) => unknown;

function load(): typeof NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  try {
    return get('node:crypto') as typeof NodeCrypto;
  } catch {
    return undefined;
  }
}

export const nodeCrypto: typeof NodeCrypto | undefined = load();
