import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { buildTrends, FleetTrends, MinuteCounts, minuteOf, TREND_MINUTES } from '../domain/trends';
import { ClockRepository } from '../repositories/clock.repository';
import { MetricsRepository } from '../repositories/metrics.repository';
import { TrendRepository } from '../repositories/trend.repository';

/** How often a process adds what it counted to the shared per-minute sums. */
export const TREND_FLUSH_MS = 2_000;

/**
 * The fleet view's trends from the metrics every process already keeps (issue #13.8): every
 * `TREND_FLUSH_MS` a process adds the growth of its own Prometheus counters and histograms since
 * its last flush to the current minute's sums in Redis (`TrendRepository`). Any API process then
 * reads the whole fleet's last hour, workers included, with nothing on the sign-in path itself.
 */
@Injectable()
export class TrendService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TrendService.name);
  /** Cumulative values as last added to Redis; the next flush adds the difference. */
  private flushed: MinuteCounts = {};
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly metrics: MetricsRepository,
    private readonly trends: TrendRepository,
    private readonly clock: ClockRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), TREND_FLUSH_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** Adds what this process counted since the last flush; a failed write is retried with the next one. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** The charts' data: the fleet's last hour, minute by minute. */
  async read(): Promise<FleetTrends> {
    const last = minuteOf(this.clock.now());
    const minutes = Array.from({ length: TREND_MINUTES }, (_, i) => last - TREND_MINUTES + 1 + i);
    return buildTrends(await this.trends.read(minutes), last);
  }

  private async flushOnce(): Promise<void> {
    try {
      const now = await this.cumulative();
      const delta: MinuteCounts = {};
      for (const [field, value] of Object.entries(now)) {
        const d = value - (this.flushed[field] ?? 0);
        if (d !== 0) delta[field] = d;
      }
      if (Object.keys(delta).length === 0) return;
      await this.trends.add(minuteOf(this.clock.now()), delta);
      this.flushed = now;
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'could not add to the fleet trends');
    }
  }

  /** This process's counters since it started, as trend fields. */
  private async cumulative(): Promise<MinuteCounts> {
    const m = this.metrics;
    const counts: MinuteCounts = { created: await total(m.sessionsCreated) };
    for (const v of (await m.sessionsEnded.get()).values) counts[`ended:${String(v.labels.outcome)}`] = v.value;
    Object.assign(counts, await buckets(m.timeToApprove, 'tta'), await buckets(m.pollLateness, 'late'));
    return counts;
  }
}

async function total(counter: Counter): Promise<number> {
  return (await counter.get()).values.reduce((n, v) => n + v.value, 0);
}

/** Cumulative bucket counts (`<prefix>:<le>`), as Prometheus keeps them. */
async function buckets(histogram: Histogram, prefix: string): Promise<MinuteCounts> {
  const out: MinuteCounts = {};
  for (const v of (await histogram.get()).values) {
    if (v.metricName?.endsWith('_bucket') && v.labels.le !== undefined) out[`${prefix}:${String(v.labels.le)}`] = v.value;
  }
  return out;
}
