/** A few figures from the service's own `GET /metrics` (Prometheus text). Pure. */

interface Sample {
  labels: Map<string, string>;
  value: number;
}

/** The samples of `name` in a scrape, with their labels, in order. */
function* samples(text: string, name: string): Generator<Sample> {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = new Map<string, string>();
    for (const pair of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels.set(pair[1], pair[2]);
    yield { labels, value: Number(m[4]) };
  }
}

const matches = (sample: Sample, labels: Record<string, string>) =>
  Object.entries(labels).every(([k, v]) => sample.labels.get(k) === v);

/** Value of the first sample of `name` whose labels include all of `labels`, or null. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const sample of samples(text, name)) {
    if (matches(sample, labels)) return Number.isFinite(sample.value) ? sample.value : null;
  }
  return null;
}

/** Sum of a histogram's `_sum` (or `_count`) over all its label sets matching `labels`. */
export function sumOver(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const sample of samples(text, name)) if (matches(sample, labels)) total += sample.value || 0;
  return total;
}

export interface ServiceMetrics {
  /**
   * Event-loop delay of the API (or ROLE=all) process, ms: the gauges cover the samples since they
   * were last collected, and every process collects its registry every 5 s to share it (the
   * metrics exchange), so this reads the phase's last few seconds, not the whole phase.
   */
  eventLoopLagMs: { mean: number | null; p50: number | null; p99: number | null; max: number | null };
  /** Mean duration of `POST /device/token` as the service timed it (queueing in its own event loop included), ms. */
  tokenRequestMeanMs: number | null;
  tokenRequests: number;
  /** Mean of the service's own poll-lateness histogram (start of a poll after it was allowed), ms. */
  pollLatenessMeanMs: number | null;
  /** The service's part of grant → kiosk: token received → authorized push sent (its own histogram). */
  pushSent: { count: number; meanMs: number | null; p99AtMostMs: number | null };
}

/**
 * The upper bound of the histogram bucket that holds the `q` quantile of what was observed between
 * two scrapes, in ms; null when nothing was, or when it lies beyond the last finite bucket.
 */
export function bucketQuantileMs(after: string, before: string | null, name: string, q: number): number | null {
  const cumulative = (text: string | null) => {
    const byLe = new Map<string, number>();
    for (const { labels, value } of samples(text ?? '', `${name}_bucket`)) {
      const le = labels.get('le');
      if (le !== undefined) byLe.set(le, (byLe.get(le) ?? 0) + (value || 0));
    }
    return byLe;
  };
  const [now, then] = [cumulative(after), cumulative(before)];
  const buckets = [...now.entries()]
    .map(([le, n]) => ({ le: le === '+Inf' ? Infinity : Number(le), n: n - (then.get(le) ?? 0) }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (total <= 0) return null;
  const bucket = buckets.find((b) => b.n >= q * total);
  return bucket && Number.isFinite(bucket.le) ? bucket.le * 1000 : null;
}

function ms(v: number | null): number | null {
  return v === null ? null : v * 1000;
}

/** `before` is an earlier scrape (or null): counters become deltas, the lag gauges are taken as they are. */
export function serviceMetrics(after: string, before: string | null, prefix = 'kiosk_'): ServiceMetrics {
  const d = (name: string, labels: Record<string, string> = {}) =>
    sumOver(after, name, labels) - (before ? sumOver(before, name, labels) : 0);
  const tokenCount = d(`${prefix}upstream_request_duration_seconds_count`, { endpoint: 'token' });
  const tokenSum = d(`${prefix}upstream_request_duration_seconds_sum`, { endpoint: 'token' });
  const lateCount = d(`${prefix}poll_lateness_seconds_count`);
  const lateSum = d(`${prefix}poll_lateness_seconds_sum`);
  const pushCount = d(`${prefix}push_latency_seconds_count`);
  return {
    eventLoopLagMs: {
      mean: ms(sampleValue(after, `${prefix}nodejs_eventloop_lag_mean_seconds`)),
      p50: ms(sampleValue(after, `${prefix}nodejs_eventloop_lag_p50_seconds`)),
      p99: ms(sampleValue(after, `${prefix}nodejs_eventloop_lag_p99_seconds`)),
      max: ms(sampleValue(after, `${prefix}nodejs_eventloop_lag_max_seconds`)),
    },
    tokenRequestMeanMs: tokenCount > 0 ? (tokenSum / tokenCount) * 1000 : null,
    tokenRequests: tokenCount,
    pollLatenessMeanMs: lateCount > 0 ? (lateSum / lateCount) * 1000 : null,
    pushSent: {
      count: pushCount,
      meanMs: pushCount > 0 ? (d(`${prefix}push_latency_seconds_sum`) / pushCount) * 1000 : null,
      p99AtMostMs: bucketQuantileMs(after, before, `${prefix}push_latency_seconds`, 0.99),
    },
  };
}
