import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'pipeline/**/*.test.ts',
      'api/**/*.test.ts',
      'cli/**/*.test.ts',
      'scripts/**/*.test.ts',
      'samples/generator/**/*.test.ts',
      'models/evaluation/**/*.test.ts',
      'bench/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
