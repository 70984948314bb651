import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['companion/**/*.test.ts', 'src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end tests run real ffmpeg processes; two cores are shared between them.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
