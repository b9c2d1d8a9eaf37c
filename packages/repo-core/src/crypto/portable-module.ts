/**
 * The portable implementations (@noble/*) loaded on first use instead of at import. They are the
 * reference and the fallback, but a Node process on the fast path never calls them, and loading
 * them at import cost every start ~40 ms (their modules, AES T-tables, GHASH and Keccak set-up).
 *
 * The primitives are synchronous, so the first portable call must load its module
 * synchronously: in Node through require(), which loads ES modules since Node 20.19 (resolved
 * from this package, as an import would be). A host without require (a browser bundle of the
 * format code) has no fast path and needs the portable code anyway: there the module's dynamic
 * `import()` starts at once, and `portableCryptoReady()` waits for it; openRepository awaits it.
 */

type NodeRequire = (id: string) => unknown;

/** require() resolving from this package, or undefined outside Node */
function loadRequire(): NodeRequire | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:module') as
    | { createRequire(url: string): NodeRequire }
    | undefined;
  return mod?.createRequire(import.meta.url);
}

const nodeRequire = loadRequire();
const pending: Promise<unknown>[] = [];

/**
 * A getter for the module `specifier`, loaded at its first call. `load` imports the same module
 * (a literal `import()`, so bundlers see it); it runs at once where there is no require().
 */
export function portableModule<T>(specifier: string, load: () => Promise<T>): () => T {
  let mod: T | undefined;
  let failure: unknown;
  if (!nodeRequire) {
    pending.push(
      load().then(
        (m) => (mod = m),
        (e: unknown) => (failure = e), // thrown by the getter when a call needs the module
      ),
    );
  }
  return () => {
    if (mod) return mod;
    if (!nodeRequire)
      throw new Error(
        failure === undefined
          ? `${specifier} is not loaded yet: await portableCryptoReady() first`
          : `${specifier} failed to load`,
        { cause: failure },
      );
    return (mod = nodeRequire(specifier) as T);
  };
}

/** Resolves once every portable module that loads asynchronously here has loaded (Node: at once). */
export async function portableCryptoReady(): Promise<void> {
  await Promise.all(pending);
}
