/**
 * The fleet view's charts (issue #13.8): per-minute sums, kept in Redis by every process (see
 * `TrendService`), turned into what the page draws. Pure: no I/O, no clock.
 */

/** How far back the charts look. */
export const TREND_MINUTES = 60;

/** Sign-in outcomes the per-minute chart stacks (signed_out is not how a sign-in ended). */
export const TREND_OUTCOMES = ['authorized', 'expired', 'denied', 'failed', 'cancelled'] as const;
export type TrendOutcome = (typeof TREND_OUTCOMES)[number];

/** Time from the code being shown to the person approving it, in seconds: the histogram's bounds. */
export const TIME_TO_APPROVE_BUCKETS = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];

/** Poll lateness (actual poll start minus the earliest allowed), in seconds: the histogram's bounds. */
export const POLL_LATENESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One minute's counts, as stored: field → count (`created`, `ended:<outcome>`, `tta:<le>`, `late:<le>`). */
export type MinuteCounts = Record<string, number>;

export interface SignInMinute {
  /** Start of the minute, ISO-8601. */
  at: string;
  created: number;
  outcomes: Record<TrendOutcome, number>;
}

export interface HistogramBucket {
  /** Upper bound in seconds; `null` for the overflow bucket (+Inf). */
  le: number | null;
  /** Observations in this bucket alone (not cumulative). */
  count: number;
}

export interface Distribution {
  buckets: HistogramBucket[];
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface LatenessMinute {
  at: string;
  polls: number;
  p50: number | null;
  p99: number | null;
}

export interface FleetTrends {
  minutes: number;
  signIns: SignInMinute[];
  timeToApprove: Distribution;
  pollLateness: { perMinute: LatenessMinute[]; overall: Distribution };
}

export function minuteOf(ms: number): number {
  return Math.floor(ms / 60_000);
}

/**
 * Cumulative Prometheus buckets (`le` → count) to per-bucket counts, in bound order: the given
 * bounds (so an empty hour still draws every bucket) plus any other bound found, and +Inf.
 * A bound missing from a minute's counts grew by nothing since the bound below it did.
 */
export function bucketsFrom(counts: MinuteCounts, prefix: string, known: readonly number[] = []): HistogramBucket[] {
  const found = Object.keys(counts)
    .filter((k) => k.startsWith(`${prefix}:`))
    .map((k) => k.slice(prefix.length + 1))
    .filter((le) => le !== '+Inf')
    .map(Number)
    .filter((b) => Number.isFinite(b));
  const bounds = [...new Set([...known, ...found])].sort((a, b) => a - b);
  let below = 0;
  const cumulativeAt = (key: string) => Math.max(below, counts[`${prefix}:${key}`] ?? below);
  const buckets: HistogramBucket[] = bounds.map((b) => {
    const cumulative = cumulativeAt(String(b));
    const count = cumulative - below;
    below = cumulative;
    return { le: b, count };
  });
  buckets.push({ le: null, count: cumulativeAt('+Inf') - below });
  return buckets;
}

/**
 * Prometheus' `histogram_quantile`: linear within the bucket the rank falls in; a rank in the
 * overflow bucket answers the highest finite bound (all that is known). `null` without data.
 */
export function quantile(q: number, buckets: HistogramBucket[]): number | null {
  const total = buckets.reduce((n, b) => n + b.count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  let lower = 0;
  for (const bucket of buckets) {
    if (bucket.le === null) return lower;
    if (seen + bucket.count >= rank && bucket.count > 0) {
      return lower + ((bucket.le - lower) * (rank - seen)) / bucket.count;
    }
    seen += bucket.count;
    lower = bucket.le;
  }
  return lower;
}

function distribution(counts: MinuteCounts, prefix: string, bounds: readonly number[]): Distribution {
  const buckets = bucketsFrom(counts, prefix, bounds);
  return {
    buckets,
    count: buckets.reduce((n, b) => n + b.count, 0),
    p50: quantile(0.5, buckets),
    p90: quantile(0.9, buckets),
    p99: quantile(0.99, buckets),
  };
}

function add(into: MinuteCounts, from: MinuteCounts): MinuteCounts {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/**
 * The charts' data from the last `TREND_MINUTES` minutes' counts, oldest first, ending with the
 * minute `lastMinute` (which is still filling up).
 */
export function buildTrends(perMinute: MinuteCounts[], lastMinute: number): FleetTrends {
  const first = lastMinute - perMinute.length + 1;
  const at = (i: number) => new Date((first + i) * 60_000).toISOString();
  const signIns = perMinute.map((m, i) => ({
    at: at(i),
    created: m.created ?? 0,
    outcomes: Object.fromEntries(TREND_OUTCOMES.map((o) => [o, m[`ended:${o}`] ?? 0])) as Record<TrendOutcome, number>,
  }));
  const perMinuteLateness = perMinute.map((m, i) => {
    const d = distribution(m, 'late', POLL_LATENESS_BUCKETS);
    return { at: at(i), polls: d.count, p50: d.p50, p99: d.p99 };
  });
  const hour = perMinute.reduce((sum, m) => add(sum, m), {} as MinuteCounts);
  return {
    minutes: perMinute.length,
    signIns,
    timeToApprove: distribution(hour, 'tta', TIME_TO_APPROVE_BUCKETS),
    pollLateness: { perMinute: perMinuteLateness, overall: distribution(hour, 'late', POLL_LATENESS_BUCKETS) },
  };
}
