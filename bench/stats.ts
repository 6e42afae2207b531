/** Order statistics for the report. Pure; nearest-rank percentiles (no interpolation). */

export interface Summary {
  count: number;
  min: number | null;
  p50: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** Nearest-rank percentile of an ascending-sorted array: the smallest value with at least p% at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (p === 0) return sorted[0];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, min: null, p50: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(values).sort();
  const asArray = Array.from(sorted);
  let total = 0;
  for (const v of asArray) total += v;
  return {
    count: asArray.length,
    min: asArray[0],
    p50: percentile(asArray, 50),
    p99: percentile(asArray, 99),
    max: asArray[asArray.length - 1],
    mean: total / asArray.length,
  };
}

/** `a / b`, or null when either is missing or b is 0. */
export function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  return a / b;
}
