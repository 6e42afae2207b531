import { DelayedError, Job, Queue, Worker } from 'bullmq';
import Redis from 'ioredis';

export const QUEUE_NAMES = { poll: 'device-poll', refresh: 'token-refresh' } as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/**
 * What a step job asks for next. Step jobs (BullMQ's "process step jobs" pattern) keep one job per
 * session alive across many polls: no sleeping inside a job, no timers outside the queue.
 */
export type StepOutcome =
  | { kind: 'done' }
  | { kind: 'later'; at: number }
  /** Like `later`, and every worker of the queue pauses for `pauseMs` (Webex 429 is per client id). */
  | { kind: 'paused'; at: number; pauseMs: number };

export type StepHandler = (sessionId: string, attempt: JobAttempt) => Promise<StepOutcome>;

export interface JobAttempt {
  /** How many times BullMQ started this job (step moves included). */
  startedCount: number;
}

export interface WorkerSettings {
  concurrency: number;
  pollRatePerSecond: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/** The only adapter to BullMQ: adds, removes and runs the step jobs of both queues. */
export class JobRepository {
  private readonly workers: Worker[] = [];

  constructor(
    private readonly queues: Record<QueueName, Queue>,
    private readonly prefix: string,
  ) {}

  async schedule(queue: QueueName, sessionId: string, at: number): Promise<void> {
    await this.queues[queue].add(
      queue,
      { sessionId },
      {
        jobId: sessionId,
        delay: Math.max(0, at - Date.now()),
        removeOnComplete: true,
        // Kept a day so operators can see what failed in the dashboard, then dropped.
        removeOnFail: { age: 24 * 3600 },
        attempts: 5,
        backoff: { type: 'exponential', delay: 2_000 },
      },
    );
  }

  /** Removes a waiting or delayed job. An active one finishes its step and then sees the new status. */
  async cancel(queue: QueueName, sessionId: string): Promise<void> {
    await this.queues[queue].remove(sessionId).catch(() => 0);
  }

  /**
   * Webex rate limits are per client id (a 429 means "no call at all for Retry-After"), so a pause
   * stops every queue on every worker: BullMQ's rate limit lives in Redis, shared by all of them.
   */
  async pauseAll(ms: number): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.rateLimit(Math.max(1, Math.ceil(ms)))));
  }

  /** How long the pause set by `pauseAll` still runs, 0 when there is none. */
  async pausedForMs(): Promise<number> {
    // A manual rate limit sets the limiter counter to MAX_SAFE_INTEGER, which no real job count reaches.
    return Math.max(0, await this.queues[QUEUE_NAMES.poll].getRateLimitTtl(Number.MAX_SAFE_INTEGER));
  }

  /**
   * Sign-ins waiting for the person (each one polls Webex): the fleet-wide ceiling counts these.
   * The one place that knows how pending sign-ins are held, so it can move with the poll path.
   */
  async pendingSignIns(): Promise<number> {
    const counts = await this.queues[QUEUE_NAMES.poll].getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async counts(queue: QueueName): Promise<Record<string, number>> {
    return this.queues[queue].getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
  }

  startWorker(
    queue: QueueName,
    handler: StepHandler,
    settings: WorkerSettings,
    connection: Redis,
    onFailed: (sessionId: string, err: Error) => Promise<void>,
  ): Worker {
    const worker = new Worker<{ sessionId: string }>(queue, async (job, token) => this.runStep(job, token, handler), {
      connection,
      prefix: this.prefix,
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      // A worker that dies mid-poll leaves a stalled job; another worker must take it over
      // however many times that happens, rather than failing the sign-in.
      maxStalledCount: 1_000,
      limiter: { max: settings.pollRatePerSecond, duration: 1_000 },
    });
    worker.on('failed', (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) void onFailed(job.data.sessionId, err);
    });
    worker.on('error', () => undefined); // connection errors: ioredis reconnects; logged by the caller
    this.workers.push(worker);
    return worker;
  }

  async closeWorkers(): Promise<void> {
    // close() waits for active jobs, so an in-flight poll finishes and its result is saved.
    await Promise.all(this.workers.map((w) => w.close()));
    this.workers.length = 0;
  }

  private async runStep(job: Job<{ sessionId: string }>, token: string | undefined, handler: StepHandler): Promise<void> {
    const sessionId = typeof job.data?.sessionId === 'string' ? job.data.sessionId : null;
    if (!sessionId) return; // malformed job data: nothing to do, let it complete and be removed
    const outcome = await handler(sessionId, { startedCount: job.attemptsStarted });
    if (outcome.kind === 'done') return;
    if (outcome.kind === 'paused') await this.pauseAll(outcome.pauseMs);
    await job.moveToDelayed(Math.max(outcome.at, Date.now()), token);
    throw new DelayedError();
  }
}
