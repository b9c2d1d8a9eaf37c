/**
 * The optional native helper `.native/posix.node` (ops/restore/native/posix.c, built by its
 * build.sh), loaded once per thread: restore's POSIX calls and batch writer, and the system's
 * libzstd for compress/zstd.ts. Null outside Node, where the file is absent or fails to load, and
 * with SALVAGE_NO_NATIVE=1; SALVAGE_NATIVE_PATH names another file. Reached through
 * process.getBuiltinModule, so the modules that use it still load where there is no Node.
 */

interface NodeHost {
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}

let addon: unknown;
let tried = false;

function load(): unknown {
  const host = (globalThis as { process?: NodeHost }).process;
  if (!host?.getBuiltinModule || host.env?.SALVAGE_NO_NATIVE === '1') return null;
  const mod = host.getBuiltinModule('node:module') as
    | { createRequire(url: string): (id: string) => unknown }
    | undefined;
  const fs = host.getBuiltinModule('node:fs') as { existsSync(p: string): boolean } | undefined;
  const url = host.getBuiltinModule('node:url') as
    | { fileURLToPath(u: URL | string): string }
    | undefined;
  if (!mod || !fs || !url) return null;
  try {
    // src/util and dist/util are both two levels below the package root
    const file =
      host.env?.SALVAGE_NATIVE_PATH ??
      url.fileURLToPath(new URL('../../.native/posix.node', import.meta.url));
    return fs.existsSync(file) ? mod.createRequire(import.meta.url)(file) : null;
  } catch {
    return null;
  }
}

/** The helper's exports (the caller states which it uses, all optional), or null. */
export function nativeAddon<T extends object>(): Partial<T> | null {
  if (!tried) {
    tried = true;
    addon = load();
  }
  return (addon as Partial<T> | null) ?? null;
}
