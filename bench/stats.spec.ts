import { describe, expect, it } from 'vitest';
import { percentile, ratio, summarize } from './stats';

describe('percentile (nearest rank)', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it('gives the nearest-rank value', () => {
    expect(percentile(ten, 50)).toBe(5);
    expect(percentile(ten, 90)).toBe(9);
    expect(percentile(ten, 99)).toBe(10);
    expect(percentile(ten, 100)).toBe(10);
    expect(percentile(ten, 0)).toBe(1);
    expect(percentile(ten, 1)).toBe(1);
  });

  it('handles one value and no values', () => {
    expect(percentile([42], 50)).toBe(42);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeNull();
  });

  it('refuses a percentile outside 0..100', () => {
    expect(() => percentile(ten, 101)).toThrow(RangeError);
    expect(() => percentile(ten, -1)).toThrow(RangeError);
    expect(() => percentile(ten, Number.NaN)).toThrow(RangeError);
  });

  it('p99 of 1000 values is the 990th', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBe(990);
  });
});

describe('summarize', () => {
  it('sorts numerically, not as strings', () => {
    const s = summarize([10, 9, 100, 1, 2]);
    expect(s).toEqual({ count: 5, min: 1, p50: 9, p99: 100, max: 100, mean: 24.4 });
  });

  it('keeps negative values (early polls show as negative lateness)', () => {
    expect(summarize([-3, 5, 0]).min).toBe(-3);
  });

  it('is all null when empty', () => {
    expect(summarize([])).toEqual({ count: 0, min: null, p50: null, p99: null, max: null, mean: null });
  });
});

describe('ratio', () => {
  it('divides, or gives null for missing or zero denominators', () => {
    expect(ratio(6, 3)).toBe(2);
    expect(ratio(null, 3)).toBeNull();
    expect(ratio(6, null)).toBeNull();
    expect(ratio(6, 0)).toBeNull();
  });
});
