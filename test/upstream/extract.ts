/**
 * Shared-fixture helpers for the upstream suite: the fixture root from SALVAGE_SHARED_FIXTURES
 * (failing loudly when unset or missing) and tarball extraction into a fresh temp dir.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function sharedFixtures(): string {
  const dir = process.env.SALVAGE_SHARED_FIXTURES;
  if (!dir || !existsSync(dir))
    throw new Error(
      `SALVAGE_SHARED_FIXTURES must point at the shared fixtures (got ${String(dir)}); run scripts/test-upstream.sh`,
    );
  return dir;
}

const made: string[] = [];

/** Extract `<shared>/<rel>.tar.gz` and return the repository root (`repo/` inside it). */
export function extractRepo(rel: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'salvage-upstream-'));
  made.push(dir);
  execFileSync('tar', ['xzf', join(sharedFixtures(), `${rel}.tar.gz`), '-C', dir]);
  return join(dir, 'repo');
}

export function cleanupExtracted(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}
