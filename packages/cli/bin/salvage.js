#!/usr/bin/env node
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// A command runs for seconds, not hours: V8's default tier-up budget has it optimise (TurboFan,
// on background threads) code that runs too briefly to repay it, on cores the restore needs.
// ~7x the default (67,584) cut a 460 MB restore's CPU on 2 cores from 2.66 to 2.27-2.36 s and its
// time from 1.69 to 1.48-1.55 s (kopia; restic 1.43 -> 1.34 s), the fixtures' by 40-50 ms, and
// left one large file's unchanged (tmpfs, medians of 5). Set before the library loads, it
// applies to every function and worker; SALVAGE_V8_FLAGS replaces it ('' for V8's defaults).
setFlagsFromString(process.env.SALVAGE_V8_FLAGS ?? '--interrupt-budget=500000');

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
