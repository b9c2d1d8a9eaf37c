/**
 * Restore benchmark: Salvage vs the real tool on the same repositories, from local disk and from
 * MinIO. Datasets: the committed fixtures, and a generated ≥ 1 GB set (many small files, one large
 * file, mixed). Repositories are made by real restic and kopia; every restore runs as a child
 * process under /usr/bin/time for wall time and peak RSS; each row is the median of BENCH_REPEAT
 * (default 5) runs per side, alternating which side goes first, after BENCH_WARMUP untimed ones.
 *
 * Run: bash bench/restore.sh   (builds, then `vitest run --config bench/restore.config.ts`)
 * Env: SALVAGE_BENCH_SCALE=0.1 for a quick run; SALVAGE_BENCH_DIR (default /tmp/salvage-bench);
 * BENCH_REPEAT (5), BENCH_WARMUP (1 untimed run per side and row), BENCH_FS (ext4 | dir, see
 * `FS_MODE`), BENCH_OUT (restore into directories there, e.g. /dev/shm/x), BENCH_FIXTURES=0 /
 * BENCH_LOCAL=0 / BENCH_MINIO=0 (skip those rows), BENCH_ONLY (a regular expression: only rows
 * whose "dataset format backend" matches), BENCH_PAGE_REPORTING=keep (see `holdPageReporting`).
 * Prints a markdown table; the table goes to bench/RESULTS.md under "restore".
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statfsSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'vitest';
import { fixtureRepoPath, loadFixtures } from '../test/harness/fixtures.js';
import { startMinio, type MinioServer } from '../test/harness/minio.js';
import { repoRoot, toolPath } from '../test/harness/tools.js';

const run = promisify(execFile);
const SCALE = Number(process.env.SALVAGE_BENCH_SCALE ?? '1');
const DIR = process.env.SALVAGE_BENCH_DIR ?? '/tmp/salvage-bench';
const SALVAGE = join(repoRoot, 'packages', 'cli', 'bin', 'salvage.js');
const PW = 'bench-password';

interface Dataset {
  name: string;
  dir: string;
  files: number;
  bytes: number;
}

function makeDataset(name: string, spec: { count: number; min: number; max: number }[]): Dataset {
  const dir = join(DIR, 'src', name);
  let files = 0;
  let bytes = 0;
  if (!existsSync(join(dir, '.done'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  let seq = 0;
  for (const s of spec) {
    for (let i = 0; i < s.count; i++) {
      const size = s.min + ((i * 2654435761) % Math.max(1, s.max - s.min + 1));
      const sub = join(dir, `d${Math.floor(seq / 500)}`);
      const file = join(sub, `f${seq++}.bin`);
      files++;
      bytes += size;
      if (existsSync(join(dir, '.done'))) continue;
      mkdirSync(sub, { recursive: true });
      // half random (incompressible), half repetitive (compressible), like real data
      const buf = randomBytes(size);
      buf.fill(0x61, Math.floor(size / 2));
      writeFileSync(file, buf);
    }
  }
  writeFileSync(join(dir, '.done'), '');
  return { name, dir, files, bytes };
}

async function timed(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ seconds: number; rssMiB: number }> {
  const { stderr } = await run('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], {
    env: { ...process.env, ...env },
    maxBuffer: 1 << 28,
  });
  const m = /TIME ([\d.]+) (\d+)\s*$/.exec(stderr);
  if (!m) throw new Error(`no timing in: ${stderr.slice(-500)}`);
  return { seconds: Number(m[1]), rssMiB: Number(m[2]) / 1024 };
}

interface Repo {
  format: 'restic' | 'kopia';
  dataset: Dataset;
  localPath: string;
  snapshotId: string;
  password: string;
}

async function makeResticRepo(d: Dataset): Promise<Repo> {
  const path = join(DIR, 'repos', `restic-${d.name}`);
  const env = { RESTIC_PASSWORD: PW };
  if (!existsSync(join(path, 'config'))) {
    rmSync(path, { recursive: true, force: true });
    await run(toolPath('restic'), ['-r', path, 'init'], { env: { ...process.env, ...env } });
    await run(toolPath('restic'), ['-r', path, 'backup', '--host', 'bench', '.'], {
      cwd: d.dir,
      env: { ...process.env, ...env },
      maxBuffer: 1 << 28,
    });
  }
  const { stdout } = await run(
    toolPath('restic'),
    ['-r', path, 'snapshots', '--json', '--no-lock'],
    { env: { ...process.env, ...env } },
  );
  const snaps = JSON.parse(stdout) as { id: string }[];
  return {
    format: 'restic',
    dataset: d,
    localPath: path,
    snapshotId: snaps.at(-1)!.id,
    password: PW,
  };
}

/**
 * A kopia config directory (config file, logs, cache). `fresh` empties it first: a repository
 * created in a new MinIO under an old bucket/prefix with the old config and cache directory got
 * index blobs kopia itself could not decrypt ("cipher: message authentication failed"; Salvage
 * said the same, naming the blob). Reproduced with two MinIO servers, outside the benchmark.
 */
function kopiaCfg(name: string, fresh = false): string[] {
  const cfg = join(DIR, 'kopia-config', name);
  if (fresh) rmSync(cfg, { recursive: true, force: true });
  mkdirSync(cfg, { recursive: true });
  return ['--config-file', join(cfg, 'repo.config'), '--log-dir', join(cfg, 'logs')];
}

function kopiaCacheDir(name: string): string[] {
  return ['--cache-directory', join(DIR, 'kopia-config', name, 'cache')];
}

async function makeKopiaRepo(d: Dataset): Promise<Repo> {
  const path = join(DIR, 'repos', `kopia-${d.name}`);
  const env = { ...process.env, KOPIA_PASSWORD: PW, KOPIA_CHECK_FOR_UPDATES: 'false' };
  const cfg = kopiaCfg(`create-${d.name}`);
  if (!existsSync(join(path, 'kopia.repository.f'))) {
    rmSync(path, { recursive: true, force: true });
    await run(
      toolPath('kopia'),
      [
        'repository',
        'create',
        'filesystem',
        '--path',
        path,
        ...cfg,
        ...kopiaCacheDir(`create-${d.name}`),
      ],
      { env },
    );
    await run(toolPath('kopia'), ['snapshot', 'create', d.dir, ...cfg], {
      env,
      maxBuffer: 1 << 28,
    });
  } else {
    await run(
      toolPath('kopia'),
      [
        'repository',
        'connect',
        'filesystem',
        '--path',
        path,
        ...cfg,
        ...kopiaCacheDir(`create-${d.name}`),
      ],
      { env },
    );
  }
  const list = async (): Promise<{ id: string }[]> =>
    JSON.parse(
      (
        await run(toolPath('kopia'), ['snapshot', 'list', '--json', '--all', ...cfg], {
          env,
          maxBuffer: 1 << 28,
        })
      ).stdout,
    ) as { id: string }[];
  let snaps = await list();
  if (snaps.length === 0) {
    await run(toolPath('kopia'), ['snapshot', 'create', d.dir, ...cfg], {
      env,
      maxBuffer: 1 << 28,
    });
    snaps = await list();
  }
  return {
    format: 'kopia',
    dataset: d,
    localPath: path,
    snapshotId: snaps.at(-1)!.id,
    password: PW,
  };
}

async function makeKopiaS3Repo(d: Dataset, minio: MinioServer): Promise<Repo> {
  const env = { ...process.env, KOPIA_PASSWORD: PW, KOPIA_CHECK_FOR_UPDATES: 'false' };
  const cfg = kopiaCfg(`s3create-${d.name}`, true);
  const s3 = [
    's3',
    '--bucket',
    'bench',
    '--prefix',
    `kopia-${d.name}/`,
    '--endpoint',
    minio.endpoint.replace(/^https?:\/\//, ''),
    '--disable-tls',
    '--access-key',
    minio.accessKey,
    '--secret-access-key',
    minio.secretKey,
  ];
  await run(
    toolPath('kopia'),
    ['repository', 'create', ...s3, ...cfg, ...kopiaCacheDir(`s3create-${d.name}`)],
    { env },
  );
  await run(toolPath('kopia'), ['snapshot', 'create', d.dir, ...cfg], { env, maxBuffer: 1 << 28 });
  const snaps = JSON.parse(
    (
      await run(toolPath('kopia'), ['snapshot', 'list', '--json', '--all', ...cfg], {
        env,
        maxBuffer: 1 << 28,
      })
    ).stdout,
  ) as { id: string }[];
  return { format: 'kopia', dataset: d, localPath: '', snapshotId: snaps.at(-1)!.id, password: PW };
}

interface Row {
  dataset: string;
  format: string;
  backend: string;
  files: number;
  bytes: number;
  /** medians over REPEAT runs, and every run's seconds */
  salvage: { seconds: number; rssMiB: number; runs: number[] };
  tool: { seconds: number; rssMiB: number; runs: number[] };
}

/**
 * Deleting restored trees slows the restores that follow it: ext4 without a journal (this
 * machine's disk) skips inodes freed in the last 60 s when it allocates one, +300 s while their
 * inode-table block is dirty (fs/ext4/ialloc.c `recently_deleted`, RECENTCY_MIN/RECENTCY_DIRTY),
 * reading that block to find out: a create right after deleting 20,000 files cost 0.3-1 ms
 * instead of ~45 µs, whoever ran it, and rows measured after a delete swung by up to 2x. So
 * outputs are kept until the end while the disk has room (`makeRoom`), and a delete is followed
 * by sync (the blocks clean) and 65 s (BENCH_DELETE_WAIT seconds overrides; 0 skips).
 */
/** regular files below `dir` and their bytes (names as bytes: fixtures hold non-UTF-8 ones) */
function countFiles(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (path: Buffer): void => {
    for (const d of readdirSync(path, { withFileTypes: true, encoding: 'buffer' })) {
      const child = Buffer.concat([path, Buffer.from('/'), d.name]);
      if (d.isDirectory()) walk(child);
      else if (d.isFile()) {
        files++;
        bytes += lstatSync(child).size;
      }
    }
  };
  walk(Buffer.from(dir));
  return { files, bytes };
}

async function deleteAndSettle(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  rmSync(dir, { recursive: true, force: true });
  await run('sync', []);
  const seconds = Number(process.env.BENCH_DELETE_WAIT ?? 65);
  if (seconds > 0) await new Promise((r) => setTimeout(r, seconds * 1000));
}

/** deletes every kept output (and settles) when the disk has less than `bytes` + 4 GB free */
async function makeRoom(bytes: number): Promise<void> {
  const fs = statfsSync(existsSync(OUT) ? OUT : DIR);
  if (fs.bavail * fs.bsize < bytes + 4e9) await deleteAndSettle(OUT);
}

/**
 * Where restores go in `dir` mode (BENCH_OUT; default on the benchmark's own disk).
 * BENCH_OUT=/dev/shm/x measures CPU without the filesystem's noise.
 */
const OUT = process.env.BENCH_OUT ?? join(DIR, 'out');

/** A restore's empty target directory, and what to do once the run is measured. */
interface Target {
  path: string;
  done(): Promise<void>;
}

/**
 * Where each timed restore writes. `ext4` (the default as root, unless BENCH_OUT is set): a
 * freshly made ext4 file system per run, on a loop device over a sparse image in DIR, with its
 * inode tables and journal written by mkfs (no lazy init in the background), unmounted and
 * deleted after the run. Every run, ours and the tool's, then starts from the same state: with
 * directories on one long-lived file system, what earlier runs left (inodes freed or allocated,
 * dirty inode-table blocks) swung single rows by up to 1.8x, e.g. our 20,000 small files from
 * restic 2.3 s in a row's first run and 4.0-4.1 s in its next four, restic's 2.3-3.3 s.
 * `dir` (BENCH_FS=dir, or not root): fresh directories under OUT, kept until the end while the
 * disk has room (`makeRoom`, `deleteAndSettle`).
 */
const FS_MODE: 'ext4' | 'dir' =
  process.env.BENCH_FS === 'dir' || process.env.BENCH_OUT !== undefined
    ? 'dir'
    : process.env.BENCH_FS === 'ext4' || process.getuid?.() === 0
      ? 'ext4'
      : 'dir';
const IMAGE = join(DIR, 'target.img');
const MOUNT = join(DIR, 'target');

async function unmountTarget(): Promise<void> {
  await run('umount', [MOUNT]).catch(() => undefined);
  rmSync(IMAGE, { force: true });
}

/** a new ext4 of room for `bytes` of restored data (twice: temp files), mounted at MOUNT */
async function freshExt4(bytes: number): Promise<Target> {
  await unmountTarget();
  mkdirSync(MOUNT, { recursive: true });
  const size = Math.max(1 << 30, Math.ceil((2.5 * bytes + (512 << 20)) / (1 << 20)) * (1 << 20));
  writeFileSync(IMAGE, '');
  truncateSync(IMAGE, size);
  await run('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', IMAGE]);
  await run('mount', ['-o', 'loop', IMAGE, MOUNT]);
  return { path: join(MOUNT, 'restore'), done: unmountTarget };
}

/** Repetitions per row (BENCH_REPEAT); the table shows each side's median. */
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? '5'));

/**
 * Untimed runs per side before a row's timed ones (BENCH_WARMUP): the first run of a row paid
 * for memory the VM had handed back (`holdPageReporting`) and for the repository's first read
 * from disk, e.g. our one 537 MB file from restic 1.55 s first, then 0.89-1.60 s.
 */
const WARMUP = Math.max(0, Number(process.env.BENCH_WARMUP ?? '1'));

/** BENCH_ONLY: a row runs when its "dataset format backend" matches */
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const wanted = (dataset: string, format: string, backend: string) =>
  ONLY === undefined || ONLY.test(`${dataset} ${format} ${backend}`);

const PAGE_REPORTING = '/sys/module/page_reporting/parameters/min_free_ms';

/**
 * On a VM with free page reporting (virtio-balloon; here Firecracker, min_free_ms 0), every 2 MiB
 * the guest frees goes back to the host at once, and the next process to touch it pays the host's
 * page fault inside its own copies: in a run that got such memory our one-file restore spent
 * 1.2-1.5 s in the kernel (copy_folio_from_iter_atomic 17 % of samples) instead of 0.35-0.5 s,
 * and rows swung by up to 1.8x whichever side ran. As root, the bench holds freed pages for
 * 60 s (what the kernel lets us set) while it runs and puts the old value back after;
 * BENCH_PAGE_REPORTING=keep leaves the machine as it is. It changes nothing elsewhere.
 */
function holdPageReporting(): () => void {
  if (process.env.BENCH_PAGE_REPORTING === 'keep' || !existsSync(PAGE_REPORTING)) return () => {};
  let old: string;
  try {
    old = readFileSync(PAGE_REPORTING, 'utf8').trim();
    writeFileSync(PAGE_REPORTING, '60000');
  } catch {
    return () => {}; // not root: measured as the machine is
  }
  console.log(`free page reporting held: ${PAGE_REPORTING} ${old} -> 60000 while the bench runs`);
  return () => writeFileSync(PAGE_REPORTING, old);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * One row: WARMUP untimed restores by each side, then REPEAT timed ones, alternating which goes
 * first (writeback of the previous restore and the file system's state favour whoever runs
 * second), each into its own target (`makeTarget`: a fresh ext4, or in `dir` mode a fresh
 * directory kept until the next row removes the outputs and waits for ext4).
 */
async function restoreBoth(
  repo: Repo,
  backend: 'local' | 'minio',
  minio?: MinioServer,
): Promise<Row> {
  const out = join(OUT, `${repo.format}-${repo.dataset.name}-${backend}`.replaceAll(' ', '-'));
  if (FS_MODE === 'dir') {
    // this row's outputs: 2 × REPEAT restores, each up to twice the data (a temp file and its
    // final name may briefly both exist), kept until the end when they fit
    await makeRoom(4 * REPEAT * repo.dataset.bytes);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
  }
  // a fixture's size is not known before its first restore (sized for 1 GiB until then)
  let counted: { files: number; bytes: number } | undefined =
    repo.dataset.files > 0 ? repo.dataset : undefined;
  const makeTarget = async (name: string): Promise<Target> =>
    FS_MODE === 'ext4'
      ? freshExt4(counted?.bytes ?? 0)
      : { path: join(out, name), done: () => Promise.resolve() };
  const s3env: Record<string, string> = minio
    ? {
        AWS_ACCESS_KEY_ID: minio.accessKey,
        AWS_SECRET_ACCESS_KEY: minio.secretKey,
        AWS_REGION: 'us-east-1',
      }
    : {};
  const bucketPath = `bench/${repo.format}-${repo.dataset.name}`;
  const location = backend === 'local' ? repo.localPath : `s3:${minio!.endpoint}/${bucketPath}`;
  const pwEnv: Record<string, string> =
    repo.format === 'kopia'
      ? { KOPIA_PASSWORD: repo.password }
      : { RESTIC_PASSWORD: repo.password };
  const salvageRun = (target: string) =>
    timed(
      'node',
      [SALVAGE, '-r', location, '--no-cache', '-q', 'restore', repo.snapshotId, '--target', target],
      { ...pwEnv, ...s3env },
    );
  let toolRun: (target: string) => Promise<{ seconds: number; rssMiB: number }>;
  if (repo.format === 'restic') {
    toolRun = (target) =>
      timed(
        toolPath('restic'),
        ['-r', location, '--no-cache', '-q', 'restore', repo.snapshotId, '--target', target],
        { RESTIC_PASSWORD: repo.password, ...s3env },
      );
  } else {
    const cfg = kopiaCfg(`${backend}-${repo.dataset.name}`, backend === 'minio');
    const env = { ...process.env, KOPIA_PASSWORD: repo.password, KOPIA_CHECK_FOR_UPDATES: 'false' };
    const connect =
      backend === 'local'
        ? ['repository', 'connect', 'filesystem', '--path', repo.localPath]
        : [
            'repository',
            'connect',
            's3',
            '--bucket',
            'bench',
            '--prefix',
            `${repo.format}-${repo.dataset.name}/`,
            '--endpoint',
            minio!.endpoint.replace(/^https?:\/\//, ''),
            '--disable-tls',
            '--access-key',
            minio!.accessKey,
            '--secret-access-key',
            minio!.secretKey,
          ];
    await run(
      toolPath('kopia'),
      [...connect, ...cfg, ...kopiaCacheDir(`${backend}-${repo.dataset.name}`)],
      { env },
    );
    toolRun = async (target) => {
      // kopia's cache would make a repeated run unfair; clear it before each timed restore
      await run(toolPath('kopia'), ['cache', 'clear', ...cfg], { env }).catch(() => undefined);
      return timed(toolPath('kopia'), ['snapshot', 'restore', repo.snapshotId, target, ...cfg], {
        KOPIA_PASSWORD: repo.password,
        KOPIA_CHECK_FOR_UPDATES: 'false',
      });
    };
  }
  const salvage: { seconds: number; rssMiB: number }[] = [];
  const tool: { seconds: number; rssMiB: number }[] = [];
  // untimed: a target made, and the previous restore's dirty pages on disk first, so no run is
  // throttled by writeback of another's output (6 × 537 MB left dirty slowed later runs by 40 %)
  const once = async (
    name: string,
    f: (path: string) => Promise<{ seconds: number; rssMiB: number }>,
  ): Promise<{ seconds: number; rssMiB: number }> => {
    const t = await makeTarget(name);
    try {
      await run('sync', []);
      const r = await f(t.path);
      counted ??= countFiles(t.path);
      return r;
    } finally {
      await t.done();
    }
  };
  for (let i = 0; i < WARMUP; i++) {
    await once(`warm-salvage-${i}`, salvageRun);
    await once(`warm-tool-${i}`, toolRun);
  }
  for (let i = 0; i < REPEAT; i++) {
    const s = () => once(`salvage-${i}`, salvageRun);
    const t = () => once(`tool-${i}`, toolRun);
    if (i % 2 === 0) {
      salvage.push(await s());
      tool.push(await t());
    } else {
      tool.push(await t());
      salvage.push(await s());
    }
  }
  const summary = (xs: { seconds: number; rssMiB: number }[]) => ({
    seconds: median(xs.map((x) => x.seconds)),
    rssMiB: median(xs.map((x) => x.rssMiB)),
    runs: xs.map((x) => x.seconds),
  });
  const size = counted ?? { files: 0, bytes: 0 };
  return {
    dataset: repo.dataset.name,
    format: repo.format,
    backend,
    files: size.files,
    bytes: size.bytes,
    salvage: summary(salvage),
    tool: summary(tool),
  };
}

function table(rows: Row[]): string {
  const mb = (r: Row, s: { seconds: number }) =>
    (r.bytes / 1e6 / Math.max(s.seconds, 0.01)).toFixed(1);
  const fps = (r: Row, s: { seconds: number }) => (r.files / Math.max(s.seconds, 0.01)).toFixed(0);
  const runs = (s: { runs: number[] }) => s.runs.map((x) => x.toFixed(2)).join(' ');
  const out = [
    `| dataset | format | backend | files | MB | Salvage s | Salvage MB/s | Salvage files/s | Salvage peak RSS MiB | tool s | tool MB/s | tool peak RSS MiB | ratio (tool time / Salvage time) | runs Salvage / tool (s) |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.dataset} | ${r.format} | ${r.backend} | ${r.files} | ${(r.bytes / 1e6).toFixed(0)} | ${r.salvage.seconds.toFixed(2)} | ${mb(r, r.salvage)} | ${fps(r, r.salvage)} | ${r.salvage.rssMiB.toFixed(0)} | ${r.tool.seconds.toFixed(2)} | ${mb(r, r.tool)} | ${r.tool.rssMiB.toFixed(0)} | ${(r.tool.seconds / r.salvage.seconds).toFixed(2)}× | ${runs(r.salvage)} / ${runs(r.tool)} |`,
    );
  }
  return out.join('\n');
}

test('restore benchmark', async () => {
  mkdirSync(DIR, { recursive: true });
  const release = holdPageReporting();
  try {
    await benchAll();
  } finally {
    release();
  }
});

async function benchAll(): Promise<void> {
  const n = (x: number) => Math.max(1, Math.round(x * SCALE));
  const datasets = [
    makeDataset('small-files', [{ count: n(20_000), min: 1024, max: 16 * 1024 }]),
    makeDataset('large-file', [{ count: 1, min: n(512) << 20, max: n(512) << 20 }]),
    makeDataset('mixed', [
      { count: n(2000), min: 512, max: 64 * 1024 },
      { count: n(150), min: 1 << 20, max: 4 << 20 },
    ]),
  ];
  // a previous run's outputs: gone, and settled, before anything is timed
  if (FS_MODE === 'dir') await deleteAndSettle(OUT);
  else await unmountTarget();
  console.log(
    FS_MODE === 'ext4'
      ? `restores go to a fresh ext4 per run (loop device over ${IMAGE})`
      : `restores go to fresh directories under ${OUT}`,
  );
  const repos: Repo[] = [];
  for (const d of datasets) {
    repos.push(await makeResticRepo(d));
    repos.push(await makeKopiaRepo(d));
  }
  const rows: Row[] = [];
  const local = process.env.BENCH_LOCAL !== '0';
  // fixture-sized: the committed fixtures, local only
  const fixtures =
    local && existsSync(join(repoRoot, 'test', 'fixtures', 'fixtures.json')) ? loadFixtures() : [];
  for (const fx of fixtures.filter(
    (f, i, all) => all.findIndex((g) => g.format === f.format) === i,
  )) {
    const ds: Dataset = { name: `fixture ${fx.name}`, dir: '', files: 0, bytes: 0 };
    if (!wanted(ds.name, fx.format, 'local')) continue;
    const r = await restoreBoth(
      {
        format: fx.format,
        dataset: ds,
        localPath: fixtureRepoPath(fx.name),
        snapshotId: fx.snapshots.at(-1)!.id,
        password: fx.password,
      },
      'local',
    );
    rows.push(r);
    console.log(table(rows.slice(-1)));
  }
  for (const repo of local ? repos : []) {
    if (!wanted(repo.dataset.name, repo.format, 'local')) continue;
    rows.push(await restoreBoth(repo, 'local'));
    console.log(table(rows.slice(-1)));
  }
  const s3Repos = repos.filter((r) => wanted(r.dataset.name, r.format, 'minio'));
  if (process.env.BENCH_MINIO === '0' || s3Repos.length === 0) {
    console.log(table(rows));
    rmSync(OUT, { recursive: true, force: true });
    await unmountTarget();
    return;
  }
  const minio = await startMinio();
  try {
    await minio.createBucket('bench');
    for (const repo of s3Repos) {
      let r = repo;
      if (repo.format === 'restic') {
        await minio.uploadDir('bench', `${repo.format}-${repo.dataset.name}/`, repo.localPath);
      } else {
        // kopia's filesystem layout (sharded, `.f` suffixes) is not its S3 layout: back up again
        r = await makeKopiaS3Repo(repo.dataset, minio);
      }
      rows.push(await restoreBoth(r, 'minio', minio));
      console.log(table(rows.slice(-1)));
    }
  } finally {
    await minio.stop();
  }
  rmSync(OUT, { recursive: true, force: true });
  await unmountTarget();
  const md = table(rows);
  console.log(md);
  writeFileSync(
    join(DIR, `restore-results${process.env.BENCH_OUT ? '-' + OUT.replaceAll('/', '_') : ''}.md`),
    md + '\n',
  );
}
