import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    // The AWS SDK warns on every process that Node 20 support ends in 2027; Salvage pins Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    include: ['test/upstream/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
  },
});
