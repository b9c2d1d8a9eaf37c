/**
 * How many cores other processes keep busy right now, for choosing whether a worker thread pays
 * (crypto/scrypt-lanes.ts). The 1-minute load average answers late: run just after other work
 * ended (a benchmark's previous restore, a build), it still says the cores are taken while they
 * sit idle; restic's p=7 key took 320 ms on one thread where a worker would have made it ~220 ms.
 * So this module samples the machine's idle time and this process's own CPU time when it loads,
 * and again when asked: the cores neither idle nor ours over that window are others'. The window
 * is the process's start-up (module loading, the first reads) when asked soon after; after a
 * window too short to measure or too old to mean "now", the load average answers instead. Each
 * answer starts a new window. Outside Node there is nothing to sample: 0.
 */

import type * as NodeOs from 'node:os';

import { builtin } from './worker-script.js';

interface CpuSample {
  /** milliseconds (performance.now) */
  readonly at: number;
  /** idle milliseconds summed over all cores since boot */
  readonly idle: number;
  /** this process's CPU milliseconds (all threads) */
  readonly own: number;
  /** cores the idle time is summed over */
  readonly cores: number;
}

/** windows shorter than this say too little: /proc/stat counts in 10 ms ticks */
export const MIN_WINDOW_MS = 40;
/** windows longer than this say too little about now */
export const MAX_WINDOW_MS = 2000;

interface Proc {
  cpuUsage(): { user: number; system: number };
}

function sample(os: typeof NodeOs, proc: Proc): CpuSample {
  const cpus = os.cpus();
  let idle = 0;
  for (const c of cpus) idle += c.times.idle;
  const u = proc.cpuUsage();
  return { at: performance.now(), idle, own: (u.user + u.system) / 1000, cores: cpus.length };
}

/**
 * Cores busy with others' work over the window between `a` and `b` (≥ 0): of `b.cores`, what was
 * neither idle nor this process's.
 */
export function othersBusy(a: CpuSample, b: CpuSample): number {
  const ms = b.at - a.at;
  if (!(ms > 0)) return 0;
  return Math.max(0, b.cores - (b.idle - a.idle) / ms - (b.own - a.own) / ms);
}

/** node:os and process, or undefined outside Node */
function node(): { os: typeof NodeOs; proc: Proc } | undefined {
  const os = builtin<typeof NodeOs>('node:os');
  const proc = (globalThis as { process?: Partial<Proc> }).process;
  return os && typeof proc?.cpuUsage === 'function' ? { os, proc: proc as Proc } : undefined;
}

let last: CpuSample | undefined = (() => {
  const n = node();
  try {
    return n ? sample(n.os, n.proc) : undefined;
  } catch {
    return undefined;
  }
})();

/**
 * Cores other processes keep busy: measured over the window since this module loaded or since
 * the last call when that is MIN_WINDOW_MS … MAX_WINDOW_MS long, else the 1-minute load average
 * (which counts this process too). 0 outside Node.
 */
export function busyCores(): number {
  const n = node();
  if (!n) return 0;
  try {
    const now = sample(n.os, n.proc);
    const prev = last;
    const ms = prev ? now.at - prev.at : 0;
    if (ms >= MIN_WINDOW_MS || !prev) last = now;
    if (prev && ms >= MIN_WINDOW_MS && ms <= MAX_WINDOW_MS) return othersBusy(prev, now);
    return n.os.loadavg()[0] ?? 0;
  } catch {
    return 0;
  }
}
