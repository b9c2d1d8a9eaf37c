/**
 * The real tools are installed at their pinned versions, and scripts/tools.sh is idempotent:
 * a second run builds nothing.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot, runTool } from '../harness/tools.js';

const exec = promisify(execFile);

describe('scripts/tools.sh', () => {
  it('builds nothing on a second run: every tool is cached', async () => {
    await exec('bash', [join(repoRoot, 'scripts', 'tools.sh')]); // first run may build
    const { stdout } = await exec('bash', [join(repoRoot, 'scripts', 'tools.sh')]);
    for (const tool of ['restic', 'kopia', 'minio'])
      expect(stdout).toMatch(new RegExp(`tools: ${tool} \\S+ cached`));
    expect(stdout).toContain('(0 built)');
    expect(stdout).not.toContain('building');
  });

  it('restic, kopia and minio report the pinned versions', async () => {
    expect((await runTool('restic', ['version'])).stdout).toMatch(/^restic 0\.18\.1 /);
    expect((await runTool('kopia', ['--version'])).stdout).toMatch(/^0\.22\.3 /);
    expect((await runTool('minio', ['--version'])).stdout).toMatch(
      /^minio version RELEASE\.2026-02-12T20-18-48Z /,
    );
  });
});
