// vitest config that runs only the kopia index benchmark (a script, not a test of behaviour).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bench/index-kopia.ts'],
    pool: 'forks',
    execArgv: ['--expose-gc', '--max-old-space-size=4096'],
  },
});
