// vitest config that runs only the restore benchmark (a script, not a test of behaviour).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['bench/restore.ts'],
    pool: 'forks',
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
  },
});
