import type { OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, Job, Queue, Worker } from 'bullmq';
import { Shards } from '../domain/shards';
import type { RedisClient } from './redis-client';
import { StepOutcome } from '../domain/step';

export const QUEUE_NAMES = { poll: 'device-poll', refresh: 'token-refresh' } as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/**
 * BullMQ keeps its event stream to about this many entries. Nothing in the service reads it; the
 * default (10,000) cost more Redis memory than the sign-ins themselves.
 */
export const EVENT_STREAM_MAX_LEN = 100;

/** With several shards, how old the fleet-wide count of pending sign-ins may be (`pendingSignIns`). */
const PENDING_COUNT_MAX_AGE_MS = 1_000;

export type StepHandler = (sessionId: string, attempt: JobAttempt) => Promise<StepOutcome>;

export interface JobAttempt {
  /** How many times BullMQ started this job (step moves included). */
  startedCount: number;
}

export interface WorkerSettings {
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

const KEEP = {
  removeOnComplete: true,
  // Kept a day so operators can see what failed in the dashboard, then dropped.
  removeOnFail: { age: 24 * 3600 },
} as const;

/**
 * A `device-poll` job lives as long as its sign-in, one per sign-in in progress, so it carries as
 * little as it can: what to keep is set on its worker, and its step handles its own retries. Small
 * fields keep BullMQ's job hash in Redis's compact encoding (values of at most 64 bytes).
 */
const JOB_OPTIONS: Record<QueueName, object> = {
  [QUEUE_NAMES.poll]: {},
  [QUEUE_NAMES.refresh]: { ...KEEP, attempts: 5, backoff: { type: 'exponential', delay: 2_000 } },
};

/**
 * The only adapter to BullMQ. Two queues of step jobs (BullMQ's "process step jobs" pattern):
 * - `device-poll`: one job per device authorization, waiting (delayed) until its code's deadline;
 *   the dashboard lists every sign-in in progress. It is removed when the sign-in ends; if the
 *   deadline comes first it runs and ends the sign-in (see `SignInWatchdog`). The polls themselves
 *   run on the pollers' timers (`PollScheduler`), not as job steps: a job move per poll cost ~40
 *   Redis commands.
 * - `token-refresh`: one job per authorized session, delayed until its token is due for a refresh.
 *
 * Each shard (`Shards`) has its own pair, under its hash tag. They are made here rather than
 * registered with `@nestjs/bullmq`, whose queues are providers named by queue name: one name per
 * queue, where a sharded deployment has the same two names on every shard.
 */
export class JobRepository implements OnApplicationShutdown {
  private readonly workers: Worker[] = [];
  /** Per shard, both queues; a shard's queues live under its hash tag, beside its sessions. */
  private readonly byShard: Array<Record<QueueName, Queue>>;
  /** With several shards: the last fleet-wide count of pending sign-ins, and this process's starts since. */
  private pendingCount: { at: number; count: Promise<number>; startedSince: number } | null = null;

  /**
   * `counter`: the client that counts pending sign-ins (`pendingSignIns`), by default `connection`.
   * The module gives it the auto-pipelined commands connection, so that a sign-in's admission
   * sends the count in the same write as its other reads instead of a round trip of its own on the
   * queues' connection.
   */
  constructor(
    connection: RedisClient,
    readonly shards: Shards,
    private readonly counter: RedisClient = connection,
  ) {
    this.byShard = shards.all.map((shard) => {
      const options = {
        connection,
        prefix: shards.tag(shard),
        streams: { events: { maxLen: EVENT_STREAM_MAX_LEN } },
      };
      return {
        [QUEUE_NAMES.poll]: new Queue(QUEUE_NAMES.poll, options),
        [QUEUE_NAMES.refresh]: new Queue(QUEUE_NAMES.refresh, options),
      };
    });
  }

  /** Every queue with its shard, for the dashboard. */
  get queues(): Array<{ shard: number; queue: Queue }> {
    return this.byShard.flatMap((queues, shard) => Object.values(queues).map((queue) => ({ shard, queue })));
  }

  async schedule(queue: QueueName, sessionId: string, at: number): Promise<void> {
    const delay = Math.max(0, Math.ceil(at - Date.now()));
    if (queue === QUEUE_NAMES.poll && this.pendingCount) this.pendingCount.startedSince++;
    await this.queueOf(queue, sessionId).add(queue, { sessionId }, { ...JOB_OPTIONS[queue], jobId: sessionId, delay });
  }

  /** Removes a waiting or delayed job. An active one finishes its step and then sees the new status. */
  async cancel(queue: QueueName, sessionId: string): Promise<void> {
    // No children: a job of ours never has any, and looking for them costs four Redis commands.
    await this.queueOf(queue, sessionId)
      .remove(sessionId, { removeChildren: false })
      .catch(() => 0);
  }

  /**
   * Webex rate limits are per client id (a 429 means "no call at all for Retry-After"), so a pause
   * stops every queue on every worker: BullMQ's rate limit lives in Redis, shared by all of them.
   */
  async pauseAll(ms: number): Promise<void> {
    await Promise.all(this.queues.map(({ queue }) => queue.rateLimit(Math.max(1, Math.ceil(ms)))));
  }

  /**
   * Sign-ins waiting for the person (each one polls Webex): the fleet-wide ceiling counts these.
   * Each has its `device-poll` job, delayed until its code's deadline (active only for the moment
   * a deadline is checked).
   */
  async pendingSignIns(): Promise<number> {
    if (this.byShard.length === 1) return this.delayedCount(this.byShard[0][QUEUE_NAMES.poll]);
    // Several shards: a count is a command per shard, too much for every sign-in's start (64 shards
    // at 50 sign-ins/s would be 3,200 commands/s). Count at most once a second, plus what this
    // process has started since; another API process's starts within that second are not seen.
    const now = Date.now();
    if (!this.pendingCount || now - this.pendingCount.at >= PENDING_COUNT_MAX_AGE_MS) {
      this.pendingCount = { at: now, count: this.countPending(), startedSince: 0 };
    }
    const { count, startedSince } = this.pendingCount;
    return (await count) + startedSince;
  }

  private async countPending(): Promise<number> {
    const counts = await Promise.all(this.byShard.map((queues) => this.delayedCount(queues[QUEUE_NAMES.poll])));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Job counts of one queue, per shard (index = shard). */
  async counts(queue: QueueName): Promise<Array<Record<string, number>>> {
    return Promise.all(
      this.byShard.map((queues) =>
        queues[queue].getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'),
      ),
    );
  }

  /** A worker of one shard's queue. */
  startWorker(
    queue: QueueName,
    shard: number,
    handler: StepHandler,
    settings: WorkerSettings,
    connection: RedisClient,
    onFailed: (sessionId: string, err: Error) => Promise<void>,
  ): Worker {
    const worker = new Worker<{ sessionId: string }>(queue, async (job, token) => this.runStep(job, token, handler), {
      connection,
      prefix: this.shards.tag(shard),
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      // A worker that dies mid-step leaves a stalled job; another worker must take it over
      // however many times that happens, rather than failing the sign-in.
      maxStalledCount: 1_000,
      removeOnComplete: { count: 0 },
      removeOnFail: KEEP.removeOnFail,
    });
    worker.on('failed', (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) void onFailed(job.data.sessionId, err);
    });
    worker.on('error', () => undefined); // connection errors: ioredis reconnects; logged by the caller
    this.workers.push(worker);
    return worker;
  }

  async closeWorkers(): Promise<void> {
    // close() waits for active jobs, so an in-flight step finishes and its result is saved.
    await Promise.all(this.workers.map((w) => w.close()));
    this.workers.length = 0;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map(({ queue }) => queue.close().catch(() => undefined)));
  }

  /**
   * A queue's delayed jobs, as `Queue.getDelayedCount()` counts them, in one command: BullMQ's
   * count is a script around this very `ZCARD`, two commands and a script call on every sign-in's start.
   */
  private delayedCount(queue: Queue): Promise<number> {
    return this.counter.zcard(queue.keys.delayed);
  }

  private queueOf(queue: QueueName, sessionId: string): Queue {
    return this.byShard[this.shards.of(sessionId)][queue];
  }

  private async runStep(job: Job<{ sessionId: string }>, token: string | undefined, handler: StepHandler): Promise<void> {
    const sessionId = typeof job.data?.sessionId === 'string' ? job.data.sessionId : null;
    if (!sessionId) return; // malformed job data: nothing to do, let it complete and be removed
    const outcome = await handler(sessionId, { startedCount: job.attemptsStarted });
    if (outcome.kind === 'done') return;
    // 'paused': the handler has paused every caller through PauseService; this job just waits.
    await job.moveToDelayed(Math.max(outcome.at, Date.now()), token);
    throw new DelayedError();
  }
}
