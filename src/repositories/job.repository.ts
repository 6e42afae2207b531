import type { OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, Job, Queue, Worker } from 'bullmq';
import { Shards } from '../domain/shards';
import type { RedisClient } from './redis-client';
import { RedisScript } from './redis-script';
import { StepOutcome } from '../domain/step';

export const QUEUE_NAMES = { poll: 'device-poll' } as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/**
 * BullMQ keeps its event stream to about this many entries. Nothing in the service reads it; the
 * default (10,000) cost more Redis memory than the sign-ins themselves.
 */
export const EVENT_STREAM_MAX_LEN = 100;

/** With several shards, how old the fleet-wide count of pending sign-ins may be (`pendingSignIns`). */
const PENDING_COUNT_MAX_AGE_MS = 1_000;

export type StepHandler = (sessionId: string) => Promise<StepOutcome>;

export interface WorkerSettings {
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/**
 * The queue of a job per signed-in session that versions before `RefreshScheduleRepository` used
 * for token refreshes. Workers move what is left in it to the refresh schedule
 * (`legacyRefreshJobs`, `RefreshScheduler.adoptLegacyJobs`), so an upgrade loses no session's
 * refresh; it can go once no deployment runs such a version.
 */
const LEGACY_REFRESH_QUEUE = 'token-refresh';
const LEGACY_REFRESH_STATES = ['delayed', 'waiting', 'prioritized', 'paused', 'failed'] as const;

/** Failed jobs are kept a day so operators can see them in the dashboard, then dropped. */
const REMOVE_ON_FAIL = { age: 24 * 3600 } as const;

/**
 * The keys BullMQ keeps for a job, after the job's own hash (`removeJobKeys` in BullMQ's scripts,
 * pinned version): its removal deletes all of them.
 */
const JOB_KEY_SUFFIXES = ['', ':logs', ':dependencies', ':processed', ':failed', ':unsuccessful'] as const;

/** At most this many jobs go to one removal script (each is six keys of its `DEL`, within Lua's stack). */
export const CANCEL_BATCH_MAX = 500;

// Removes the delayed ones of the given jobs of one queue, in four commands however many there are:
// out of the delayed set, and their keys, as BullMQ's own removal does for a delayed job with no
// parent, children, scheduler or deduplication (ours have none of these). Returns the ids that were
// not delayed but whose job is there (waiting or active for its deadline, or failed): BullMQ's own
// removal decides about those. KEYS: the queue's delayed set. ARGV: the job key prefix, the number
// of key suffixes, the suffixes, then the ids.
const CANCEL_DELAYED_SCRIPT = `
local prefix, n = ARGV[1], tonumber(ARGV[2])
local suffixes, ids = {}, {}
for i = 3, 2 + n do suffixes[#suffixes + 1] = ARGV[i] end
for i = 3 + n, #ARGV do ids[#ids + 1] = ARGV[i] end
local scores = redis.call('ZMSCORE', KEYS[1], unpack(ids))
local delayed, keys, others = {}, {}, {}
for i, id in ipairs(ids) do
  if scores[i] then
    delayed[#delayed + 1] = id
    for _, suffix in ipairs(suffixes) do keys[#keys + 1] = prefix .. id .. suffix end
  else
    others[#others + 1] = id
  end
end
if #delayed > 0 then
  redis.call('ZREM', KEYS[1], unpack(delayed))
  redis.call('DEL', unpack(keys))
end
local there = {}
for _, id in ipairs(others) do
  if redis.call('EXISTS', prefix .. id) == 1 then there[#there + 1] = id end
end
return there
`;

const CANCEL_DELAYED = new RedisScript<string[]>(CANCEL_DELAYED_SCRIPT, 1);

/**
 * The only adapter to BullMQ. One queue of step jobs (BullMQ's "process step jobs" pattern),
 * `device-poll`: one job per device authorization, waiting (delayed) until its code's deadline, so
 * the dashboard lists every sign-in in progress. The job is removed when the sign-in ends; if the
 * deadline comes first it runs and ends the sign-in (`DeadlineService`). It carries as little as it
 * can: small fields keep BullMQ's job hash in Redis's compact encoding (values of at most 64
 * bytes), and its step handles its own retries. The polls themselves run on the pollers' timers
 * (`PollScheduler`), not as job steps: a job move per poll cost ~40 Redis commands. Token
 * refreshes are not jobs either (`RefreshScheduleRepository`): a job per signed-in session cost
 * ≈ 11 commands and a worker's wake-up to add, ≈ 13 to remove and ≈ 25 per refresh.
 *
 * Each shard (`Shards`) has its own queue, under its hash tag. Queues are made here rather than
 * registered with `@nestjs/bullmq`, whose queues are providers named by queue name: one name per
 * queue, where a sharded deployment has the same name on every shard.
 */
export class JobRepository implements OnApplicationShutdown {
  private readonly workers: Worker[] = [];
  /** Per shard, its queue, under the shard's hash tag beside its sessions. */
  private readonly byShard: Array<Record<QueueName, Queue>>;
  /** Per shard, the legacy refresh queue, made when first looked at. */
  private readonly legacyRefresh = new Map<number, Queue>();
  /** With several shards: the last fleet-wide count of pending sign-ins, and this process's starts since. */
  private pendingCount: { at: number; count: Promise<number>; startedSince: number } | null = null;

  /**
   * `counter`: the client that counts pending sign-ins (`pendingSignIns`), by default `connection`.
   * The module gives it the auto-pipelined commands connection, so that a sign-in's admission
   * sends the count in the same write as its other reads instead of a round trip of its own on the
   * queues' connection.
   */
  constructor(
    /** The queues' connection. */
    private readonly connection: RedisClient,
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
      };
    });
  }

  /**
   * Up to `limit` jobs left in a shard's legacy `token-refresh` queue, each as the session and the
   * time it was due; `remove` takes one out once its refresh is scheduled elsewhere (false: an
   * earlier version's worker is running it). One script call when the queue is empty (or was never
   * there).
   */
  async legacyRefreshJobs(
    shard: number,
    limit: number,
  ): Promise<Array<{ sessionId: string; at: number; remove: () => Promise<boolean> }>> {
    const queue = this.legacyRefreshQueue(shard);
    const counts = await queue.getJobCounts(...LEGACY_REFRESH_STATES);
    if (Object.values(counts).every((n) => n === 0)) return [];
    const jobs = await queue.getJobs([...LEGACY_REFRESH_STATES], 0, limit - 1, true);
    return jobs.flatMap((job) => {
      const sessionId = (job?.data as { sessionId?: unknown } | undefined)?.sessionId;
      if (!job?.id || typeof sessionId !== 'string') return [];
      const at = job.timestamp + (job.delay ?? 0);
      return [{ sessionId, at, remove: () => queue.remove(job.id!, { removeChildren: false }).then((n) => n === 1) }];
    });
  }

  /** Every queue with its shard, for the dashboard. */
  get queues(): Array<{ shard: number; queue: Queue }> {
    return this.byShard.flatMap((queues, shard) => Object.values(queues).map((queue) => ({ shard, queue })));
  }

  async schedule(queue: QueueName, sessionId: string, at: number): Promise<void> {
    const delay = Math.max(0, Math.ceil(at - Date.now()));
    if (queue === QUEUE_NAMES.poll && this.pendingCount) this.pendingCount.startedSince++;
    await this.queueOf(queue, sessionId).add(queue, { sessionId }, { jobId: sessionId, delay });
  }

  /**
   * Removes a waiting or delayed job. An active one finishes its step and then sees the new status.
   * Never fails (`cancelAll`).
   */
  async cancel(queue: QueueName, sessionId: string): Promise<void> {
    await this.cancelAll(queue, [sessionId]);
  }

  /**
   * Removes the jobs of sign-ins that have ended, as `cancel` does each, in one script per shard
   * (and batch of `CANCEL_BATCH_MAX`): four commands for the lot, where BullMQ's removal is a script
   * of twelve per job (bench/README.md, "December, tenth"). Most are delayed until their code's
   * deadline, which the script removes itself; the few that are not (their deadline came) go
   * through BullMQ's own removal, which leaves an active one to finish its step. No `removed`
   * event is written for the delayed ones: nothing in the service reads the event stream. Never
   * fails: a job it could not remove (Redis away) runs at its deadline, finds its sign-in over and
   * completes.
   */
  async cancelAll(queue: QueueName, sessionIds: readonly string[]): Promise<void> {
    await Promise.all(
      [...this.shards.group(sessionIds, (id) => id)].map(async ([shard, ids]) => {
        const q = this.byShard[shard][queue];
        for (let i = 0; i < ids.length; i += CANCEL_BATCH_MAX) {
          const batch = ids.slice(i, i + CANCEL_BATCH_MAX);
          const others = await CANCEL_DELAYED.run(
            this.connection,
            [q.keys.delayed],
            [q.toKey(''), String(JOB_KEY_SUFFIXES.length), ...JOB_KEY_SUFFIXES, ...batch],
          ).catch((): string[] => []);
          // No children: a job of ours never has any, and looking for them costs four Redis commands.
          await Promise.all(others.map((id) => q.remove(id, { removeChildren: false }).catch(() => 0)));
        }
      }),
    );
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
      removeOnFail: REMOVE_ON_FAIL,
    });
    worker.on('failed', (job, err) => {
      if (job) void onFailed(job.data.sessionId, err);
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
    const all = [...this.queues.map(({ queue }) => queue), ...this.legacyRefresh.values()];
    await Promise.all(all.map((queue) => queue.close().catch(() => undefined)));
  }

  private legacyRefreshQueue(shard: number): Queue {
    let queue = this.legacyRefresh.get(shard);
    if (!queue) {
      queue = new Queue(LEGACY_REFRESH_QUEUE, { connection: this.connection, prefix: this.shards.tag(shard) });
      this.legacyRefresh.set(shard, queue);
    }
    return queue;
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
    const outcome = await handler(sessionId);
    if (outcome.kind === 'done') return;
    // 'paused': the handler has paused every caller through PauseService; this job just waits.
    await job.moveToDelayed(Math.max(outcome.at, Date.now()), token);
    throw new DelayedError();
  }
}
