import { defineConfig } from 'vitest/config';

// Browser tests against a running pama (see e2e/serve.sh and `make e2e`).
// They share one server, so files run one at a time.
export default defineConfig({
  test: {
    include: ['e2e/**/*.spec.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
