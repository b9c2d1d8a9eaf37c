/**
 * Access to the committed fixtures (test/fixtures): the catalogue of repositories made by the real
 * restic and kopia, their snapshot manifests, and throw-away copies for corruption tests.
 */
import { lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './tools.js';
import type { RepoFixture, SnapshotManifest } from './types.js';

export const fixturesRoot = join(repoRoot, 'test', 'fixtures');

let catalogue: RepoFixture[] | undefined;

/** test/fixtures/fixtures.json (read once) */
export function loadFixtures(): RepoFixture[] {
  catalogue ??= JSON.parse(
    readFileSync(join(fixturesRoot, 'fixtures.json'), 'utf8'),
  ) as RepoFixture[];
  return catalogue;
}

/** one repository's catalogue entry; throws for an unknown name */
export function fixture(name: string): RepoFixture {
  const found = loadFixtures().find((f) => f.name === name);
  if (!found) throw new Error(`no fixture repository named '${name}' in fixtures.json`);
  return found;
}

/** the repository directory as the tool wrote it */
export function fixtureRepoPath(name: string): string {
  fixture(name);
  return join(fixturesRoot, 'repos', name);
}

/** a manifest by file name (FixtureSnapshot.manifest) */
export function loadManifest(file: string): SnapshotManifest {
  return JSON.parse(
    readFileSync(join(fixturesRoot, 'manifests', file), 'utf8'),
  ) as SnapshotManifest;
}

/** A private copy of a fixture repository in a new temp dir (the caller removes it). */
export async function copyFixtureToTemp(name: string): Promise<string> {
  const source = fixtureRepoPath(name);
  const target = join(await mkdtemp(join(tmpdir(), `salvage-${name}-`)), name);
  await cp(source, target, { recursive: true });
  return target;
}

/**
 * Flips the middle byte of the largest file under `dir` (a fixture copy: its largest pack) and
 * returns that file's path.
 */
export function damageLargestFile(dir: string): string {
  let best = { path: '', size: -1 };
  const visit = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) visit(p);
      else if (st.size > best.size) best = { path: p, size: st.size };
    }
  };
  visit(dir);
  const bytes = readFileSync(best.path);
  const mid = bytes.length >> 1;
  bytes[mid] = bytes[mid]! ^ 0xff;
  writeFileSync(best.path, bytes);
  return best.path;
}
