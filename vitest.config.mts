import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC rather than Vite's default transform: NestJS dependency injection needs
// `emitDecoratorMetadata`, which only tsc and SWC emit.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.test.ts', 'bench/**/*.spec.ts', 'client/**/*.spec.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Integration files each start their own Redis, simulator and service processes; on two cores,
    // two files at a time keeps poll timing honest.
    maxWorkers: 2,
  },
});
