/** What every command gets: the streams and env, the global options, and line writers. */

import type { Command } from 'commander';
import type { GlobalOptions, Io } from './global.js';

export interface Ctx {
  io: Io;
  globals(cmd: Command): GlobalOptions;
  /** one line of human output */
  out(line: string): void;
  /** one NDJSON record */
  json(value: unknown): void;
  /** a message on stderr (suppressed by --quiet for info level) */
  err(line: string): void;
}

export function makeCtx(io: Io): Ctx {
  return {
    io,
    globals: (cmd) => cmd.optsWithGlobals<GlobalOptions>(),
    out: (line) => io.stdout.write(line + '\n'),
    json: (value) =>
      io.stdout.write(
        JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) +
          '\n',
      ),
    err: (line) => io.stderr.write(line + '\n'),
  };
}
