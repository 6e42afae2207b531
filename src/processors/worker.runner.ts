import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { retentionMs } from '../domain/session';
import { JobRepository, QUEUE_NAMES, QueueName, StepHandler } from '../repositories/job.repository';
import { RedisFactory } from '../repositories/redis.factory';
import { REDIS_FACTORY } from '../repositories/tokens';
import { DeadlineService } from '../services/deadline.service';
import { SessionStore } from '../services/session.store';

/**
 * Runs the queue processors in worker processes (the polls run in `PollScheduler`, the token
 * refreshes in `RefreshScheduler`). The handler table is typed by queue name, so a queue without a
 * handler does not compile.
 */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerRunner.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_FACTORY) private readonly redis: RedisFactory,
    private readonly jobs: JobRepository,
    private readonly deadlines: DeadlineService,
    private readonly store: SessionStore,
  ) {}

  onApplicationBootstrap(): void {
    const handlers: Record<QueueName, StepHandler> = {
      [QUEUE_NAMES.poll]: (id) => this.deadlines.step(id),
    };
    // One worker per queue of each shard this process serves (`WORKER_SHARDS`, by default all).
    for (const shard of this.config.redis.workerShards) {
      for (const [queue, handler] of Object.entries(handlers) as [QueueName, StepHandler][]) {
        const worker = this.jobs.startWorker(
          queue,
          shard,
          handler,
          this.config.worker,
          this.redis.blocking(`worker:${queue}:${shard}`),
          (id, err) => this.giveUp(queue, id, err),
        );
        worker.on('error', (err) => this.logger.warn({ queue, shard, err: err.message }, 'worker connection problem'));
      }
    }
    this.logger.log(
      { concurrency: this.config.worker.concurrency, shards: this.config.redis.workerShards.length },
      'queue workers started',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.jobs.closeWorkers();
  }

  /** A job that kept throwing: its session must not stay `pending` forever. */
  private async giveUp(queue: QueueName, id: string, err: Error): Promise<void> {
    this.logger.error({ queue, sessionId: id, err: err.message }, 'job failed for good');
    const now = Date.now();
    await this.store
      .transition(id, (cur) => {
        if (cur.record.status !== 'pending') return null;
        const record = {
          ...cur.record,
          status: 'failed' as const,
          updatedAt: now,
          error: { code: 'internal_error', message: 'The sign-in could not be completed; please try again.' },
        };
        return { record, ttlMs: retentionMs(record, now) };
      })
      .then((result) => (result?.changed ? this.deadlines.stopPolling(id) : undefined))
      .catch((e: unknown) => this.logger.error({ sessionId: id, err: String(e) }, 'could not mark the session failed'));
  }
}
