import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowthFlag, MIN_HEAP_LIMIT } from './heap-policy';

const GIB = 1024 * 1024 * 1024;
/** What Node gives the heap on a machine with memory to spare and no limit (this one: 4,144 MiB). */
const LARGE = 4 * GIB;

describe('heapGrowthFlag', () => {
  it('lets the old generation double between full collections when nothing chose otherwise', () => {
    expect(heapGrowthFlag([], undefined, LARGE)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(['--enable-source-maps'], '--stack-trace-limit=50', LARGE)).toBe('--heap-growing-percent=100');
  });

  it.each([
    ['a heap cap on the command line', ['--max-old-space-size=768'], undefined],
    ['a heap cap in NODE_OPTIONS', [], '--enable-source-maps  --max-old-space-size=768'],
    ['a heap cap spelt with underscores', ['--max_old_space_size=512'], undefined],
    ['a heap cap given as two words', ['--max-old-space-size', '768'], undefined],
    ['a cap on the whole heap', ['--max-heap-size=1024'], undefined],
    ['a growth of its own', ['--heap-growing-percent=300'], undefined],
  ])('leaves the heap to the operator given %s', (_what, execArgv, nodeOptions) => {
    expect(heapGrowthFlag(execArgv, nodeOptions, LARGE)).toBeNull();
  });

  it('is not fooled by options that only start alike', () => {
    expect(heapGrowthFlag(['--max-old-space-sizes'], '--heap-growing', LARGE)).toBe('--heap-growing-percent=100');
  });

  it('leaves a small heap to V8, as Node sizes it in a memory-limited container', () => {
    // A 768 MiB pod: Node gives the heap ≈ 396 MiB.
    expect(heapGrowthFlag([], undefined, 396 * 1024 * 1024)).toBeNull();
    expect(heapGrowthFlag([], undefined, MIN_HEAP_LIMIT - 1)).toBeNull();
    expect(heapGrowthFlag([], undefined, MIN_HEAP_LIMIT)).toBe('--heap-growing-percent=100');
  });
});
