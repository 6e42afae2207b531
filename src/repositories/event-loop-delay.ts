import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Gauge, Registry } from 'prom-client';

/**
 * How often the event loop's delay is sampled, in ms. prom-client samples every 10 ms by default:
 * a timer that wakes the process 100 times a second, which was half of an idle service's CPU
 * (15 ms/s against 8 at 100 ms; bench/README.md). A stall of the loop still shows in the sample
 * taken when it ends.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * prom-client's own histogram cannot be switched off apart from the other default metrics; its
 * gauges are replaced (below), so it samples as seldom as this and nothing reads it.
 */
export const PROM_CLIENT_UNREAD_SAMPLE_MS = 60_000;

/** What is read of Node's event-loop delay histogram (`monitorEventLoopDelay`), in ns. */
export type DelayHistogram = Pick<IntervalHistogram, 'count' | 'min' | 'max' | 'mean' | 'stddev' | 'percentile' | 'reset'>;

interface Stat {
  stat: string;
  help: string;
  read: (h: DelayHistogram) => number;
  /** A delay (the sampling interval comes off) rather than a spread. */
  delay: boolean;
  /** How `/metrics` combines the processes' readings: prom-client's own choice for each. */
  aggregator: 'min' | 'max' | 'average';
}

const STATS: readonly Stat[] = [
  { stat: 'min', help: 'The minimum', read: (h) => h.min, delay: true, aggregator: 'min' },
  { stat: 'max', help: 'The maximum', read: (h) => h.max, delay: true, aggregator: 'max' },
  { stat: 'mean', help: 'The mean', read: (h) => h.mean, delay: true, aggregator: 'average' },
  { stat: 'stddev', help: 'The standard deviation', read: (h) => h.stddev, delay: false, aggregator: 'average' },
  { stat: 'p50', help: 'The median', read: (h) => h.percentile(50), delay: true, aggregator: 'average' },
  { stat: 'p90', help: 'The 90th percentile', read: (h) => h.percentile(90), delay: true, aggregator: 'average' },
  { stat: 'p99', help: 'The 99th percentile', read: (h) => h.percentile(99), delay: true, aggregator: 'average' },
];

/**
 * The event-loop delay gauges of prom-client's default metrics (`<prefix>nodejs_eventloop_lag_
 * {min,max,mean,stddev,p50,p90,p99}_seconds`), same names, sampled every `sampleMs`. Node records
 * the time from one sample to the next, the sampling interval included; that interval is taken
 * off here, so the gauges read the delay itself (an idle process reads about 0, where prom-client's
 * read its 10 ms interval). Each collection covers the samples since the one before, as in
 * prom-client. Call after `collectDefaultMetrics`: its gauges of these names are replaced.
 */
export function replaceEventLoopDelayGauges(
  registry: Registry,
  prefix: string,
  sampleMs = EVENT_LOOP_SAMPLE_MS,
  histogram: DelayHistogram = startMonitor(sampleMs),
): void {
  const intervalNs = sampleMs * 1e6;
  const gauges: Gauge[] = [];
  // The registry collects in the order of registration: the first gauge's collect sets them all.
  const collect = () => {
    if (histogram.count === 0) return;
    STATS.forEach(({ read, delay }, i) => gauges[i].set(Math.max(0, read(histogram) - (delay ? intervalNs : 0)) / 1e9));
    histogram.reset();
  };
  for (const { stat, help, aggregator } of STATS) {
    const name = `${prefix}nodejs_eventloop_lag_${stat}_seconds`;
    registry.removeSingleMetric(name);
    gauges.push(
      new Gauge({
        name,
        help: `${help} of the event loop delay in seconds, sampled every ${sampleMs} ms.`,
        registers: [registry],
        aggregator,
        ...(gauges.length === 0 ? { collect } : {}),
      }),
    );
  }
}

function startMonitor(sampleMs: number): DelayHistogram {
  const histogram = monitorEventLoopDelay({ resolution: sampleMs });
  histogram.enable();
  return histogram;
}
