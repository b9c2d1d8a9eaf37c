// The salvage CLI against a real MinIO over TLS signed by its own CA (the "MinIO behind a
// corporate CA" case): --cacert trusts it, --insecure-tls skips verification, neither fails with
// the storage exit code and a message naming the certificate problem. A restore from the bucket
// matches the fixture's manifest; as root, --owner id and --owner name give the recorded owners.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../packages/cli/src/exit-codes.js';
import { runCli, type CliResult } from '../harness/cli-run.js';
import { compareTree, explainDifferences } from '../harness/compare-tree.js';
import { fixtureRepoPath, loadFixtures, loadManifest } from '../harness/fixtures.js';
import { startMinio, type MinioServer } from '../harness/minio.js';

const fx = loadFixtures().find((f) => f.format === 'restic' && f.name === 'restic-v2-auto')!;
const temps: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'salvage-cli-s3-'));
  temps.push(d);
  return d;
};

let minio: MinioServer;
let repo: string;
let env: Record<string, string>;

beforeAll(async () => {
  minio = await startMinio({ tls: true });
  await minio.createBucket('backups');
  await minio.uploadDir('backups', 'k8up/', fixtureRepoPath(fx.name));
  repo = `s3:${minio.endpoint}/backups/k8up`;
  env = {
    AWS_ACCESS_KEY_ID: minio.accessKey,
    AWS_SECRET_ACCESS_KEY: minio.secretKey,
    AWS_REGION: minio.region,
    RESTIC_PASSWORD: fx.password,
  };
});
afterAll(async () => {
  await minio?.stop();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const run = (argv: string[]): Promise<CliResult> => runCli(argv, env);

/** `salvage restore` of the newest fixture snapshot from the bucket, trusting its CA, quietly */
const restoreFromBucket = (target: string, ...extra: string[]): Promise<CliResult> =>
  run([
    '-r',
    repo,
    '--cacert',
    minio.caFile!,
    '-q',
    'restore',
    fx.snapshots.at(-1)!.id,
    '--target',
    target,
    ...extra,
  ]);

describe('salvage over S3 with TLS', () => {
  it('--cacert trusts the bucket’s CA', async () => {
    expect(minio.endpoint.startsWith('https://')).toBe(true);
    const r = await run(['-r', repo, '--cacert', minio.caFile!, 'snapshots', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.ok);
    const snaps = JSON.parse(r.stdout) as { id: string }[];
    expect(snaps.map((s) => s.id).sort()).toEqual(fx.snapshots.map((s) => s.id).sort());
  });

  it('without --cacert the certificate is refused: storage exit code, one actionable line', async () => {
    const r = await run(['-r', repo, 'snapshots']);
    expect(r.code).toBe(EXIT.storage);
    expect(r.stderr).toMatch(/certificate/i);
    expect(r.stderr).toMatch(/--cacert|--insecure-tls/);
  });

  it('--insecure-tls reads without verifying', async () => {
    const r = await run(['-r', repo, '--insecure-tls', 'snapshots', '--json']);
    expect(r.code).toBe(EXIT.ok);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(fx.snapshots.length);
  });

  it('restore from the bucket matches the manifest', async () => {
    const snap = fx.snapshots.at(-1)!;
    const target = join(tmp(), 'out');
    const r = await restoreFromBucket(target);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.ok);
    const manifest = loadManifest(snap.manifest);
    const diffs = await compareTree(target, manifest);
    expect(explainDifferences(diffs, fx.expectedDifferences, manifest).unexpected).toEqual([]);
  });

  it('--owner id and --owner name restore the recorded owners (the suite runs as root)', async () => {
    // owners can only be restored by root; CI and this machine run the suite as root
    expect(process.getuid?.(), 'run the test suite as root to test --owner').toBe(0);
    const snap = fx.snapshots.at(-1)!;
    const manifest = loadManifest(snap.manifest);
    for (const mode of ['id', 'name']) {
      const target = join(tmp(), mode);
      const r = await restoreFromBucket(target, '--owner', mode);
      expect(r.code, r.stderr).toBe(EXIT.ok);
      const diffs = await compareTree(target, manifest);
      expect(explainDifferences(diffs, fx.expectedDifferences, manifest).unexpected).toEqual([]);
    }
  });
});
