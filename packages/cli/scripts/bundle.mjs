// Bundles the compiled CLI (dist/main.js) with what it imports (repo-core's dist, commander,
// @noble, ...) into dist/bundle/, so that a start reads a few files instead of resolving,
// compiling and linking ~200 modules: against dist/main.js, restic `snapshots` 0.71 -> 0.54 s
// and a restore of the restic-v2-auto fixture 1.05 -> 0.91 s (medians, 2 cores under load).
// bin/salvage.js falls back to dist/main.js when the bundle is missing or older than the last
// tsc build.
// Usage: node scripts/bundle.mjs [outDir]   (run by `pnpm build` after `tsc -b`)
//
// Kept as it was without a bundle:
// - every bundled module keeps its own import.meta.url, so what it finds beside itself (the
//   decode and write worker scripts, .native/posix.node) or resolves from there through
//   createRequire (sodium-native, @bokuweb/zstd-wasm, @noble for the portable crypto path) is
//   found in repo-core as before. Worker threads run repo-core's dist modules, unbundled.
// - the AWS SDK stays in node_modules (loaded only for IMDS/SSO/profile credentials).
// - a command loads only its own code: each action and each format is a chunk of its own.
// A CLI may be running from the bundle while it is rebuilt (benchmarks here): the new chunks are
// moved in beside the old ones (content-hashed names), the entry last, and old chunks are
// removed only once they are an hour old, so a running process still finds the chunks it loads.
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const cliRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(cliRoot, 'dist', 'bundle'));

/** import.meta.url of a bundled module: the URL of its own file, relative to the bundle */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  transform(code, id) {
    // files only: rolldown's own runtime (a virtual module) means the bundle's URL
    if (!isAbsolute(id) || !code.includes('import.meta.url')) return null;
    const rel = JSON.stringify(relative(outDir, id).split(sep).join('/'));
    return {
      code: code.replaceAll('import.meta.url', `new URL(${rel}, import.meta.url).href`),
      map: null,
    };
  },
};

/** packages imported from where they are installed instead of bundled */
const KEEP_EXTERNAL = ['@aws-sdk/client-s3'];
const externalInPlace = {
  name: 'external-in-place',
  async resolveId(source, importer, options) {
    if (!KEEP_EXTERNAL.includes(source)) return null;
    const r = await this.resolve(source, importer, { ...options, skipSelf: true });
    return r ? { id: r.id, external: true } : null;
  },
};

// repo-core's index re-exports everything, so by the import graph alone every action reaches
// both formats; these groups keep each format's code (and its own crypto) in a chunk that only
// openRepository's dynamic import of that format loads. Code both formats use (pbkdf2.ts, also
// scrypt's one-round steps; copy-match.ts, also zstd's) stays shared: in a format's chunk it makes
// an import cycle.
const FORMAT_CHUNKS = [
  {
    name: 'restic',
    test: /repo-core\/dist\/(restic\/|crypto\/(poly1305|aes-ctr|ct-equal))/,
    includeDependenciesRecursively: false,
  },
  {
    name: 'kopia',
    test: /repo-core\/dist\/(kopia\/|ecc\/|compress\/(?!zstd|limits|copy-match)|crypto\/(kopia-|aes-gcm|chacha|hkdf|hmac|blake|aead))|\/fflate@/,
    includeDependenciesRecursively: false,
  },
];

const ENTRY = 'salvage.mjs';
const tmpDir = `${outDir}.tmp-${process.pid}`;
await rm(tmpDir, { recursive: true, force: true });
const bundle = await rolldown({
  input: { salvage: join(cliRoot, 'dist', 'main.js') },
  platform: 'node',
  plugins: [ownImportMetaUrl, externalInPlace],
  makeAbsoluteExternalsRelative: true,
  // the bundle's only entry point is main(); the format groups need this
  preserveEntrySignatures: 'allow-extension',
  // repo-core's modules only define things: one whose exports go unused can be left out
  treeshake: { moduleSideEffects: [{ test: /packages\/repo-core\/dist\//, sideEffects: false }] },
  logLevel: 'warn',
});
const { output } = await bundle.write({
  dir: tmpDir,
  format: 'esm',
  entryFileNames: ENTRY,
  chunkFileNames: '[name]-[hash].mjs',
  // error classes are named by `new.target.name`: renaming on a clash must not change them
  keepNames: true,
  codeSplitting: { groups: FORMAT_CHUNKS },
});
await bundle.close();

// Chunks evaluate in import order only without static import cycles between them (the format
// groups above give up rolldown's own guarantee): refuse a bundle that has one.
const chunks = new Map(output.filter((c) => c.type === 'chunk').map((c) => [c.fileName, c]));
const state = new Map();
function visit(name, path) {
  if (state.get(name) === 'done') return;
  if (state.get(name) === 'open')
    throw new Error(`bundle: static import cycle ${[...path, name].join(' -> ')}`);
  state.set(name, 'open');
  for (const dep of chunks.get(name)?.imports ?? []) visit(dep, [...path, name]);
  state.set(name, 'done');
}
for (const name of chunks.keys()) visit(name, []);

await mkdir(outDir, { recursive: true });
const fresh = new Set(output.map((o) => o.fileName));
for (const name of fresh) if (name !== ENTRY) await rename(join(tmpDir, name), join(outDir, name));
await rename(join(tmpDir, ENTRY), join(outDir, ENTRY));
await rm(tmpDir, { recursive: true, force: true });
const hourAgo = Date.now() - 3600_000;
for (const name of await readdir(outDir)) {
  if (fresh.has(name)) continue;
  const file = join(outDir, name);
  if ((await stat(file)).mtimeMs < hourAgo) await rm(file, { force: true });
}

const bytes = [...chunks.values()].reduce((n, c) => n + c.code.length, 0);
console.log(`bundle: ${chunks.size} chunks, ${(bytes / 1024).toFixed(0)} KiB in ${outDir}`);
