/**
 * Crypto path selection. Every primitive has a portable implementation (@noble, runs in a
 * browser; the reference) and, where the platform offers one, a fast one (node:crypto,
 * sodium-native). The fast path is picked at run time when present; tests force either path
 * with `setCryptoPath` and read `cryptoUsage` to prove which one really ran.
 */

export type CryptoPath = 'fast' | 'portable';
export type CryptoPreference = CryptoPath | 'auto';

let preference: CryptoPreference = 'auto';

/** Force a path ('fast' fails loudly where the fast path is absent) or go back to 'auto'. */
export function setCryptoPath(p: CryptoPreference): void {
  preference = p;
}

export function cryptoPreference(): CryptoPreference {
  return preference;
}

/** Calls per primitive and path since the last `resetCryptoUsage()`. */
export const cryptoUsage: Record<string, { fast: number; portable: number }> = {};

export function resetCryptoUsage(): void {
  for (const k of Object.keys(cryptoUsage)) delete cryptoUsage[k];
}

/** Pick the path for one call of `primitive` and count it. */
export function choosePath(primitive: string, fastAvailable: boolean): CryptoPath {
  let path: CryptoPath;
  if (preference === 'portable') path = 'portable';
  else if (preference === 'fast') {
    if (!fastAvailable) throw new Error(`no fast implementation of ${primitive} on this platform`);
    path = 'fast';
  } else path = fastAvailable ? 'fast' : 'portable';
  countPath(primitive, path);
  return path;
}

/** Count a call whose path was fixed by the caller (e.g. a fallback the fast path cannot do). */
export function countPath(primitive: string, path: CryptoPath): void {
  const u = (cryptoUsage[primitive] ??= { fast: 0, portable: 0 });
  u[path]++;
}
