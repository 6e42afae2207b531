import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC rather than Vite's default transform: NestJS dependency injection needs
// `emitDecoratorMetadata`, which only tsc and SWC emit.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.test.ts', 'bench/**/*.spec.ts', 'client/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
