/**
 * The bundled CLI (scripts/bundle.mjs; bin/salvage.js runs it after `pnpm build`) against the
 * compiled modules it is made from: the same output for the same commands, and what its modules
 * find beside their own files (worker scripts, the native helper) or through createRequire
 * (sodium-native, @bokuweb/zstd-wasm) still found. Like the worker tests, it needs `tsc -b` output.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, fixtureRepoPath } from '../../../test/harness/fixtures.js';
import { scanTree } from '../../../test/harness/scan-tree.js';

const cliRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoCoreRoot = join(cliRoot, '..', 'repo-core');
let dir: string;

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function node(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      {
        encoding: 'buffer',
        maxBuffer: 256 << 20,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        if (typeof code !== 'number') reject(err ?? new Error('no exit code'));
        else resolve({ code, stdout, stderr: stderr.toString('utf8') });
      },
    );
  });
}

/** `salvage ARGV` through the bundle or through dist/main.js, in a child process */
function salvage(
  from: 'bundle' | 'dist',
  argv: string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<Run> {
  const main =
    from === 'bundle' ? join(dir, 'bundle', 'salvage.mjs') : join(cliRoot, 'dist', 'main.js');
  return node([...nodeArgs, join(dir, 'run.mjs'), ...argv], {
    SALVAGE_MAIN: pathToFileURL(main).href,
    ...env,
  });
}

function repo(name: string): { args: string[]; env: Record<string, string> } {
  return {
    args: ['-r', fixtureRepoPath(name), '--no-cache'],
    env: { SALVAGE_PASSWORD: fixture(name).password },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'salvage-bundle-'));
  const built = await node([join(cliRoot, 'scripts', 'bundle.mjs'), join(dir, 'bundle')]);
  expect(built.stderr).toBe('');
  expect(built.code).toBe(0);
  await writeFile(
    join(dir, 'run.mjs'),
    'const { main } = await import(process.env.SALVAGE_MAIN);\n' +
      'process.exitCode = await main(process.argv.slice(2));\n',
  );
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the bundle prints what the modules print', () => {
  const cases: Array<[string, string, string[]]> = [
    ['', 'help', ['--help']],
    ['', 'restore help', ['restore', '--help']],
    ['restic-v2-auto', 'snapshots', ['snapshots', '--json']],
    ['restic-v2-auto', 'ls', ['ls', '-l', '-R', 'latest']],
    ['restic-v2-auto', 'stats', ['stats', '--mode', 'raw-data', '--json']],
    ['restic-v2-auto', 'cat', ['cat', 'config']],
    ['restic-v2-auto', 'find', ['find', '*.bin']],
    ['restic-v2-auto', 'dump tar', ['dump', '-a', 'tar', 'latest:/']],
    ['kopia-default', 'ls', ['ls', '-l', '-R', 'latest']],
    ['kopia-chacha-blake3-zstd', 'snapshots', ['snapshots', '--json']],
    ['kopia-chacha-blake3-zstd', 'ls', ['ls', '-R', 'latest']],
    ['kopia-hmac128-pgzip', 'dump zip', ['dump', '-a', 'zip', 'latest:/']],
  ];
  it.each(cases)('%s %s', async (name, _what, argv) => {
    const r = name ? repo(name) : { args: [], env: {} };
    const [bundled, modules] = await Promise.all([
      salvage('bundle', [...r.args, ...argv], r.env),
      salvage('dist', [...r.args, ...argv], r.env),
    ]);
    expect(bundled.stderr).toBe(modules.stderr);
    expect(bundled.code).toBe(modules.code);
    expect(bundled.code).toBe(0);
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(digest(bundled.stdout)).toBe(digest(modules.stdout));
  });

  it('a wrong password: the same message and exit code (12)', async () => {
    const args = ['-r', fixtureRepoPath('kopia-default'), '--no-cache', 'snapshots'];
    const env = { SALVAGE_PASSWORD: 'not-the-password' };
    const [bundled, modules] = await Promise.all([
      salvage('bundle', args, env),
      salvage('dist', args, env),
    ]);
    expect(bundled.stderr).toBe(modules.stderr);
    expect(bundled.code).toBe(12);
    expect(modules.code).toBe(12);
  });

  it.each(['restic-v2-auto', 'kopia-default'])('restores %s as the modules do', async (name) => {
    const r = repo(name);
    const targets = [join(dir, `${name}-bundle`), join(dir, `${name}-dist`)];
    const runs = await Promise.all(
      (['bundle', 'dist'] as const).map((from, i) =>
        salvage(from, [...r.args, '-q', 'restore', 'latest', '--target', targets[i]!], r.env),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    // the target directory itself ('') is made by the restore, at its own time
    const scan = async (t: string) => (await scanTree(t)).filter((e) => e.path !== '');
    expect(await scan(targets[0]!)).toEqual(await scan(targets[1]!));
  });
});

describe('what the bundled modules find at run time', () => {
  async function traced(name: string, env: Record<string, string>): Promise<string[]> {
    const trace = join(dir, `trace-${name}.log`);
    const r = repo('restic-v2-auto');
    const target = join(dir, `traced-${name}`);
    const run = await salvage(
      'bundle',
      [...r.args, '-q', 'restore', 'latest', '--target', target],
      { ...r.env, ...env, SALVAGE_LOAD_TRACE: trace },
      ['--import', pathToFileURL(join(cliRoot, 'test', 'load-trace.mjs')).href],
    );
    expect(run.code, run.stderr).toBe(0);
    return (await readFile(trace, 'utf8')).split('\n');
  }

  it('the main thread runs the bundle; sodium-native and posix.node (with libzstd) load', async () => {
    const lines = await traced('inline', { SALVAGE_DECODE_THREADS: '0' });
    const imported = lines.filter((l) => l.startsWith('import '));
    expect(imported.some((l) => l.includes('/bundle/salvage.mjs'))).toBe(true);
    // nothing of the compiled modules: everything came from the bundle
    expect(imported.filter((l) => /\/packages\/(cli|repo-core)\/dist\//.test(l))).toEqual([]);
    const required = lines.filter((l) => l.startsWith('require '));
    // sodium-native's addon: opened directly (dlopen) or through its package (require)
    const opened = lines.filter((l) => l.startsWith('dlopen ') || l.startsWith('require '));
    expect(opened.some((l) => /sodium-native.*\.node$/.test(l))).toBe(true);
    expect(existsSync(join(repoCoreRoot, '.native', 'posix.node'))).toBe(true);
    expect(required.some((l) => l.endsWith('/.native/posix.node'))).toBe(true);
    // zstd: the system's libzstd through posix.node, so the WASM build is not even loaded
    expect(lines.some((l) => l.includes('@bokuweb/zstd-wasm'))).toBe(false);
    // the fast crypto path: no portable code loaded
    expect(lines.some((l) => l.includes('@noble'))).toBe(false);
  });

  it('without the native helper, the bundle finds zstd-wasm beside it', async () => {
    const lines = await traced('no-native', {
      SALVAGE_DECODE_THREADS: '0',
      SALVAGE_NO_NATIVE: '1',
    });
    const required = lines.filter((l) => l.startsWith('require '));
    expect(required.some((l) => l.includes('@bokuweb/zstd-wasm'))).toBe(true);
    expect(required.some((l) => l.endsWith('/.native/posix.node'))).toBe(false);
  });

  it('each module keeps its own URL: the worker scripts are beside the pools that start them', async () => {
    // workerScript(import.meta.url, 'decode-worker.js') looks beside the calling module
    const urls = new Set<string>();
    for (const f of await readdir(join(dir, 'bundle'))) {
      const code = await readFile(join(dir, 'bundle', f), 'utf8');
      for (const m of code.matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g))
        urls.add(fileURLToPath(new URL(m[1]!, pathToFileURL(join(dir, 'bundle', f)))));
    }
    for (const file of urls) expect(existsSync(file), file).toBe(true);
    const dist = join(repoCoreRoot, 'dist');
    expect(urls).toContain(join(dist, 'restic', 'decode-pool.js'));
    expect(existsSync(join(dist, 'restic', 'decode-worker.js'))).toBe(true);
    expect(urls).toContain(join(dist, 'ops', 'restore', 'write-pool.js'));
    expect(existsSync(join(dist, 'ops', 'restore', 'write-worker.js'))).toBe(true);
    expect(urls).toContain(join(dist, 'kopia', 'decode-pool.js'));
    expect(existsSync(join(dist, 'kopia', 'decode-worker.js'))).toBe(true);
    expect(urls).toContain(join(dist, 'crypto', 'scrypt-lanes.js'));
    expect(existsSync(join(dist, 'crypto', 'scrypt-worker.js'))).toBe(true);
  });
});

describe('bin/salvage.js', () => {
  // a copy of bin/ in a fake layout whose two mains say which one ran
  async function layout(bundleAge: number, buildAge: number): Promise<string> {
    const root = await mkdtemp(join(dir, 'layout-'));
    const cli = join(root, 'cli');
    await mkdir(join(cli, 'bin'), { recursive: true });
    await mkdir(join(cli, 'dist', 'bundle'), { recursive: true });
    await mkdir(join(root, 'repo-core', 'dist'), { recursive: true });
    await copyFile(join(cliRoot, 'bin', 'salvage.js'), join(cli, 'bin', 'salvage.js'));
    await writeFile(join(cli, 'package.json'), '{ "type": "module" }\n');
    const main = (what: string) =>
      `export async function main() { process.stdout.write('${what}'); return 0; }\n`;
    await writeFile(join(cli, 'dist', 'main.js'), main('modules'));
    await writeFile(join(cli, 'dist', 'bundle', 'salvage.mjs'), main('bundle'));
    const now = Date.now() / 1000;
    await utimes(join(cli, 'dist', 'bundle', 'salvage.mjs'), now - bundleAge, now - bundleAge);
    for (const f of [
      join(cli, 'dist', '.tsbuildinfo'),
      join(root, 'repo-core', 'dist', '.tsbuildinfo'),
    ]) {
      await writeFile(f, '');
      await utimes(f, now - buildAge, now - buildAge);
    }
    return join(cli, 'bin', 'salvage.js');
  }

  it('runs the bundle when it is newer than the last tsc build', async () => {
    const r = await node([await layout(10, 20)]);
    expect(r.stdout.toString()).toBe('bundle');
  });

  it('runs the compiled modules when tsc built after the bundle', async () => {
    const r = await node([await layout(20, 10)]);
    expect(r.stdout.toString()).toBe('modules');
  });
});
