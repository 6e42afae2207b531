import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AggregatorRegistry, MetricObjectWithValues, MetricValue } from 'prom-client';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { JobRepository, QUEUE_NAMES } from '../repositories/job.repository';
import { LeaseRepository } from '../repositories/lease.repository';
import { MetricsExchangeRepository } from '../repositories/metrics-exchange.repository';
import { MetricsRepository } from '../repositories/metrics.repository';
import { RefreshScheduleRepository } from '../repositories/refresh-schedule.repository';

const PUBLISH_EVERY_MS = 5_000;
const SNAPSHOT_TTL_MS = 3 * PUBLISH_EVERY_MS;

type Snapshot = MetricObjectWithValues<MetricValue<string>>[];

/**
 * `/metrics` is the sum over all live processes: each publishes its registry to Redis every few
 * seconds, and a scrape adds this process's fresh values to the others' latest snapshots.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsService.name);
  private readonly processId = `${hostname()}:${process.pid}`;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsRepository,
    private readonly exchange: MetricsExchangeRepository,
    private readonly jobs: JobRepository,
    private readonly leases: LeaseRepository,
    private readonly refreshes: RefreshScheduleRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.publish(), PUBLISH_EVERY_MS);
    this.timer.unref();
    void this.publish();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.exchange.withdraw(this.processId).catch(() => undefined);
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    if (this.config.role !== 'worker') await this.sampleQueues();
    const own = (await this.metrics.registry.getMetricsAsJSON()) as Snapshot;
    const others = (await this.exchange.readOthers(this.processId)).map((s) => JSON.parse(s) as Snapshot);
    const registry = AggregatorRegistry.aggregate([own, ...others.map(withoutQueueGauge)]);
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  private async publish(): Promise<void> {
    try {
      const snapshot = await this.metrics.registry.getMetricsAsJSON();
      await this.exchange.publish(this.processId, JSON.stringify(snapshot), SNAPSHOT_TTL_MS);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'could not publish metrics');
    }
  }

  private async sampleQueues(): Promise<void> {
    const unclaimed = await this.leases.unclaimed(Date.now(), 5_000);
    unclaimed.forEach((n, shard) => this.metrics.signInsUnclaimed.set({ shard: String(shard) }, n));
    const refreshes = await this.refreshes.counts(Date.now(), 60_000);
    refreshes.forEach(({ scheduled, overdue }, shard) => {
      this.metrics.refreshesScheduled.set({ shard: String(shard) }, scheduled);
      this.metrics.refreshesOverdue.set({ shard: String(shard) }, overdue);
    });
    for (const queue of Object.values(QUEUE_NAMES)) {
      const perShard = await this.jobs.counts(queue);
      perShard.forEach((counts, shard) => {
        for (const [state, n] of Object.entries(counts)) this.metrics.queueJobs.set({ queue, shard: String(shard), state }, n);
      });
    }
  }
}

/** Gauges read from Redis at scrape time are global: summing other processes' samples would double them. */
const SAMPLED_AT_SCRAPE = new Set([
  'kiosk_queue_jobs',
  'kiosk_sign_ins_unclaimed',
  'kiosk_token_refreshes_scheduled',
  'kiosk_token_refreshes_overdue',
]);

function withoutQueueGauge(snapshot: Snapshot): Snapshot {
  return snapshot.filter((m) => !SAMPLED_AT_SCRAPE.has(m.name));
}
