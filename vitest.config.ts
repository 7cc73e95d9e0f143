import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    restoreMocks: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB and the CLI tests are I/O-heavy; two workers match the two cores here.
    maxWorkers: 2,
  },
});
