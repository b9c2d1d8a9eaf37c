/**
 * Where the real tools live (restic, kopia, minio, built by scripts/tools.sh into .tools/bin) and
 * a small runner for them. A missing tool is an error telling how to install it, never a skip.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ToolName = 'restic' | 'kopia' | 'minio';

/** the work tree's root: the nearest folder above this file holding pnpm-workspace.yaml */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${start}`);
  }
}

/** Absolute path of a pinned tool; throws (never skips) when scripts/tools.sh has not run. */
export function toolPath(name: ToolName): string {
  const path = join(repoRoot, '.tools', 'bin', name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `${name} is not installed at ${path}: run \`bash scripts/tools.sh\` (it builds restic, ` +
        `kopia and minio at their pinned versions)`,
    );
  }
  return path;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** milliseconds; default 10 minutes */
  timeout?: number;
}

/** Runs a tool to completion; rejects with its stderr when it exits non-zero. */
export function runTool(
  name: ToolName,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const exe = toolPath(name);
  return new Promise((resolve, reject) => {
    execFile(
      exe,
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        timeout: options.timeout ?? 600_000,
        maxBuffer: 256 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`${name} ${args.join(' ')} failed: ${error.message}\n${stderr}`, {
              cause: error,
            }),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}
