import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'servers/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts', 'docs/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['scripts/test-support/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
