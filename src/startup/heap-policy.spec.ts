import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from './heap-policy';

describe('heapGrowthFlag', () => {
  it('lets the old generation double between full collections when nothing chose otherwise', () => {
    expect(heapGrowthFlag([], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(['--enable-source-maps'], '--stack-trace-limit=50')).toBe('--heap-growing-percent=100');
  });

  it.each([
    ['a heap cap on the command line', ['--max-old-space-size=768'], undefined],
    ['a heap cap in NODE_OPTIONS', [], '--enable-source-maps  --max-old-space-size=768'],
    ['a heap cap spelt with underscores', ['--max_old_space_size=512'], undefined],
    ['a heap cap given as two words', ['--max-old-space-size', '768'], undefined],
    ['a growth of its own', ['--heap-growing-percent=300'], undefined],
  ])('leaves the heap to the operator given %s', (_what, execArgv, nodeOptions) => {
    expect(heapGrowthFlag(execArgv, nodeOptions)).toBeNull();
  });

  it('is not fooled by options that only start alike', () => {
    expect(heapGrowthFlag(['--max-old-space-sizes'], '--heap-growing')).toBe('--heap-growing-percent=100');
  });
});
