/**
 * Renders ops progress events: a cli-progress bar on a terminal, NDJSON with --json, nothing
 * when piped or --quiet. Errors and refusals are always printed (stderr in human mode).
 * cli-progress (20 CommonJS modules, ~15 ms to load) is loaded only when a bar will show.
 */

import type { SingleBar } from 'cli-progress';
import type { ProgressEvent, ProgressListener } from '@salvage/repo-core';
import type { Ctx } from './context.js';
import { formatSize } from './format.js';

export interface Renderer {
  listener: ProgressListener;
  stop(): void;
}

export async function progressRenderer(
  ctx: Ctx,
  opts: { json?: boolean; quiet?: boolean; verbose?: number; label: string; dryRun?: boolean },
): Promise<Renderer> {
  if (opts.json) {
    return {
      listener: (e: ProgressEvent) => {
        if (e.type === 'status' && opts.quiet) return;
        ctx.json({ message_type: e.type, ...flatten(e) });
      },
      stop: () => undefined,
    };
  }
  const tty = ctx.io.stderr.isTTY === true && !opts.quiet;
  const cliProgress = tty ? (await import('cli-progress')).default : undefined;
  let bar: SingleBar | undefined;
  const start = (total: number): void => {
    if (!cliProgress || bar) return;
    bar = new cliProgress.SingleBar(
      {
        format: `${opts.label} [{bar}] {percentage}% | {done}/{size} | {files} files | ETA {eta_formatted}`,
        stream: ctx.io.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { done: formatSize(0), size: formatSize(total), files: 0 });
  };
  return {
    listener: (e: ProgressEvent) => {
      switch (e.type) {
        case 'start':
          start(e.bytesTotal);
          break;
        case 'status':
          bar?.update(e.status.bytesDone, {
            done: formatSize(e.status.bytesDone),
            files: e.status.filesDone,
          });
          break;
        case 'file':
          if (opts.dryRun || (opts.verbose ?? 0) > 0) {
            const line = `${e.action.padEnd(9)} ${e.location}`;
            ctx.out(line);
          }
          break;
        case 'error':
          ctx.err(`error: ${e.location}: ${e.message}`);
          break;
        case 'warning':
          if ((opts.verbose ?? 0) > 0) ctx.err(`warning: ${e.location}: ${e.message}`);
          break;
        case 'done':
          bar?.update(e.status.bytesDone, {
            done: formatSize(e.status.bytesDone),
            files: e.status.filesDone,
          });
          bar?.stop();
          bar = undefined;
          break;
      }
    },
    stop: () => bar?.stop(),
  };
}

function flatten(e: ProgressEvent): Record<string, unknown> {
  const { type: _t, ...rest } = e;
  if ('status' in rest) return { ...rest.status };
  return rest;
}
