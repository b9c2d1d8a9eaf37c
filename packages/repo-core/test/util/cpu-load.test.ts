/**
 * busyCores (util/cpu-load.ts), which scrypt's lane plan asks: what other processes keep busy,
 * from the machine's idle time less this process's own CPU time over a recent window.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';

import { busyCores, othersBusy } from '../../src/util/cpu-load.js';

it('counts as others only what is neither idle nor this process', () => {
  const a = { at: 0, idle: 0, own: 0, cores: 2 };
  // 2 cores over 100 ms: 80 ms idle and 60 ms ours leave 60 ms, 0.6 of a core, to others
  expect(othersBusy(a, { at: 100, idle: 80, own: 60, cores: 2 })).toBeCloseTo(0.6);
  // all idle, or more than the window (tick rounding): never below 0
  expect(othersBusy(a, { at: 100, idle: 200, own: 10, cores: 2 })).toBe(0);
  expect(othersBusy(a, { at: 0, idle: 0, own: 0, cores: 2 })).toBe(0);
});

it('sees a process spinning on a core beside an idle one', async () => {
  busyCores(); // starts a window
  const child = spawn(process.execPath, [
    '-e',
    'const end = Date.now() + 400; while (Date.now() < end);',
  ]);
  await new Promise((resolve) => child.on('exit', resolve));
  const busy = busyCores();
  expect(busy).toBeGreaterThan(0.5);
});
