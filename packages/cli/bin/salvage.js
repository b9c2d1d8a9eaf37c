#!/usr/bin/env node
import { statSync } from 'node:fs';

// More libuv threads than the default 4: restore keeps many files and ranged reads in flight,
// and every fs call of Node's promise API goes through that pool. Set before anything uses it.
process.env.UV_THREADPOOL_SIZE ??= '16';
// The AWS SDK prints a notice on every S3 use that its 2027 releases need Node 22; not actionable
// for someone restoring a backup. Set AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `pnpm build` bundles dist/ into dist/bundle/ (scripts/bundle.mjs): a start then reads a few
// files instead of ~200 modules. A `tsc -b` run after that (its .tsbuildinfo files are newer)
// makes the bundle stale, and the modules under dist/ run instead, as they would without it.
function mtime(rel) {
  return statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
}
const bundled = mtime('../dist/bundle/salvage.mjs');
const fresh =
  bundled !== undefined &&
  ['../dist/.tsbuildinfo', '../../repo-core/dist/.tsbuildinfo'].every(
    (f) => (mtime(f) ?? 0) <= bundled,
  );
const { main } = await import(fresh ? '../dist/bundle/salvage.mjs' : '../dist/main.js');

process.exitCode = await main(process.argv.slice(2));
