/**
 * Worker threads without making Node a hard dependency. Worker entry points must be JavaScript:
 * running from dist, the script sits beside the module that starts it; when the TypeScript
 * sources run (vitest, from src/) it is the compiled twin at the same place under dist/, which
 * `tsc -b` builds before the tests. Node's modules are resolved at run time through
 * `process.getBuiltinModule` (as crypto/node-crypto.ts does), so a browser bundle of the format
 * code simply finds no worker script, and callers fall back to inline work.
 */

import type * as NodeFs from 'node:fs';
import type * as NodeOs from 'node:os';
import type * as NodePath from 'node:path';
import type * as NodeUrl from 'node:url';
import type * as NodeWorkers from 'node:worker_threads';

type GetBuiltin = (id: string) => unknown;

/** a Node builtin module, or undefined outside Node */
export function builtin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  try {
    return get(id) as T;
  } catch {
    return undefined;
  }
}

/** node:worker_threads, or undefined outside Node */
export function workerThreads(): typeof NodeWorkers | undefined {
  return builtin<typeof NodeWorkers>('node:worker_threads');
}

/** cores available to this process (1 outside Node) */
export function cores(): number {
  return builtin<typeof NodeOs>('node:os')?.availableParallelism() ?? 1;
}

/**
 * The compiled worker `file` (e.g. 'decode-worker.js') for the module at `callerUrl` (its
 * `import.meta.url`): beside it, else its twin under dist/ when the caller runs from src/.
 * Undefined when neither exists.
 */
export function workerScript(callerUrl: string, file: string): string | undefined {
  const fs = builtin<typeof NodeFs>('node:fs');
  const path = builtin<typeof NodePath>('node:path');
  const url = builtin<typeof NodeUrl>('node:url');
  if (!fs || !path || !url || !callerUrl.startsWith('file:')) return undefined;
  const dir = path.dirname(url.fileURLToPath(callerUrl));
  const beside = path.join(dir, file);
  if (fs.existsSync(beside)) return beside;
  // this file is one level below the package's src/ (or dist/): src/util/worker-script.ts
  const root = path.join(path.dirname(url.fileURLToPath(import.meta.url)), '..', '..');
  const rel = path.relative(path.join(root, 'src'), dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const twin = path.join(root, 'dist', rel, file);
  return fs.existsSync(twin) ? twin : undefined;
}

/**
 * Reports every way a pool's worker can be lost to `lost(message)`: a crash, an unreadable reply,
 * an exit. An exit after the pool's own close() (`isClosed()`) gives `closedMessage`.
 */
export function onWorkerLost(
  worker: NodeWorkers.Worker,
  what: string,
  closedMessage: string,
  isClosed: () => boolean,
  lost: (message: string) => void,
): void {
  worker.on('error', (e) => lost(`${what} crashed: ${e.message}`));
  worker.on('messageerror', (e) => lost(`${what} sent an unreadable reply: ${e.message}`));
  worker.on('exit', (code) =>
    lost(isClosed() ? closedMessage : `${what} exited unexpectedly (code ${code})`),
  );
}
