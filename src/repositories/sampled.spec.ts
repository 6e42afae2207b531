import { describe, expect, it } from 'vitest';
import { sampled } from './sampled';

describe('sampled', () => {
  it('reads at the first call, then again only once the last reading is maxAgeMs old', () => {
    let now = 1_000;
    let reads = 0;
    const value = sampled(
      () => ++reads,
      30_000,
      () => now,
    );
    expect(value()).toBe(1);
    now = 30_999;
    expect(value()).toBe(1);
    now = 31_000;
    expect(value()).toBe(2);
    expect(value()).toBe(2);
    expect(reads).toBe(2);
  });
});
