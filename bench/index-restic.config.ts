// vitest config that runs only the restic index/crypto/zstd benchmark (a script, not a test).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['bench/index-restic.ts'],
    pool: 'forks',
    testTimeout: 1_800_000,
    hookTimeout: 1_800_000,
    execArgv: ['--expose-gc', '--max-old-space-size=4096'],
  },
});
