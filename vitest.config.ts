import { defineConfig } from 'vitest/config';

// One vitest run covers every package. `source` resolves workspace packages to their TypeScript
// sources, so tests never run against stale builds.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    // The AWS SDK warns on every process that Node 20 support ends in 2027; Salvage pins Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/upstream/**'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
