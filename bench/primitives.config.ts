// vitest config that runs only the kopia primitives benchmark (a script, not a test of behaviour).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['bench/primitives.ts'],
    pool: 'forks',
    testTimeout: 1_200_000,
  },
});
