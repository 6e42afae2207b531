import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { ClockRepository } from '../repositories/clock.repository';
import { JobRepository } from '../repositories/job.repository';
import { ClaimedRefresh, RefreshScheduleRepository } from '../repositories/refresh-schedule.repository';
import { TokenService } from '../services/token.service';

/** How often a worker looks for refreshes coming due, on each shard it serves. */
const SWEEP_EVERY_MS = 2_000;
/** Refreshes are claimed this long before they are due, so that each one's timer is set in time. */
const CLAIM_AHEAD_MS = 4_000;
/** Claimed refreshes a worker holds at most (each a timer until its time). */
const MAX_HELD = 1_000;
/** After an error talking to Redis or a bug, the refresh is tried again this much later. */
const RETRY_AFTER_ERROR_MS = 5_000;
/** How often a worker looks for jobs left in the legacy `token-refresh` queue (`adoptLegacyJobs`). */
const LEGACY_EVERY_MS = 60_000;
const LEGACY_BATCH = 500;

/**
 * The worker side of token refreshes: claims the refreshes coming due from
 * `RefreshScheduleRepository` every couple of seconds, runs each at its time (`TokenService`), at
 * most `WORKER_CONCURRENCY` at once, and writes when the next one is due.
 *
 * A claim holds a refresh until `WORKER_LOCK_MS` after the end of the window it was claimed in
 * (as a poller's lease holds a sign-in): a worker that dies leaves its claimed refreshes due again
 * then, for another worker's sweep. A refresh that outlives its claim is not run twice at once:
 * `TokenService` refreshes a session under a lock.
 */
@Injectable()
export class RefreshScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RefreshScheduler.name);
  /** Claimed refreshes not started yet: waiting for their time (a timer) or for a free slot (none). */
  private readonly waiting = new Map<string, { claim: ClaimedRefresh; timer: NodeJS.Timeout | null }>();
  /** Refreshes whose time has come, in order, waiting for one of `WORKER_CONCURRENCY` slots. */
  private readonly ready: string[] = [];
  private readonly running = new Set<Promise<void>>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private legacyTimer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly schedule: RefreshScheduleRepository,
    private readonly tokens: TokenService,
    private readonly clock: ClockRepository,
    private readonly jobs: JobRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.nextSweep(0);
    const adopt = () =>
      void this.adoptLegacyJobs().catch((err: unknown) =>
        this.logger.warn({ err: String(err) }, 'could not move legacy token-refresh jobs; trying again later'),
      );
    adopt();
    this.legacyTimer = setInterval(adopt, LEGACY_EVERY_MS);
  }

  /** Stops claiming, lets running refreshes finish, and gives the waiting ones back at their time. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    if (this.legacyTimer) clearInterval(this.legacyTimer);
    for (const { timer } of this.waiting.values()) if (timer) clearTimeout(timer);
    const back = [...this.waiting.values()].map((w) => w.claim);
    this.waiting.clear();
    this.ready.length = 0;
    await Promise.allSettled([...this.running]);
    await this.schedule.reschedule(back).catch((err: unknown) => {
      this.logger.warn({ err: String(err) }, 'could not give refreshes back; their claims will run out instead');
    });
  }

  /** One round: claims what comes due within `CLAIM_AHEAD_MS` on each shard this worker serves. */
  async sweep(): Promise<void> {
    for (const shard of this.config.redis.workerShards) {
      const room = MAX_HELD - this.waiting.size;
      if (room <= 0 || this.closing) return;
      const now = this.clock.now();
      const horizon = now + CLAIM_AHEAD_MS;
      const claimed = await this.schedule.claim(shard, horizon, horizon + this.config.poller.leaseMs, room);
      for (const claim of claimed) this.wait(claim);
    }
  }

  /**
   * Moves the jobs an earlier version left in its `token-refresh` queue (one per signed-in session)
   * to the schedule, at the time each was due, and removes them: an upgrade loses no refresh. A job
   * an earlier version's worker is running now cannot be removed; it is taken at a later round.
   */
  async adoptLegacyJobs(): Promise<number> {
    let moved = 0;
    for (const shard of this.config.redis.workerShards) {
      for (;;) {
        const legacy = await this.jobs.legacyRefreshJobs(shard, LEGACY_BATCH);
        let removed = 0;
        for (const job of legacy) {
          await this.schedule.scheduleIfAbsent(job.sessionId, job.at);
          if (await job.remove().catch(() => false)) removed += 1;
        }
        moved += removed;
        if (legacy.length < LEGACY_BATCH || removed === 0) break;
      }
    }
    if (moved > 0) this.logger.log({ moved }, 'moved token refreshes from the legacy token-refresh queue');
    return moved;
  }

  /** Resolves once every refresh this worker runs now has finished. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private nextSweep(delayMs: number): void {
    if (this.closing) return;
    this.sweepTimer = setTimeout(() => {
      this.sweep()
        .catch((err: unknown) => this.logger.warn({ err: String(err) }, 'could not claim token refreshes'))
        // Jitter keeps several workers from sweeping in lockstep.
        .finally(() => this.nextSweep(SWEEP_EVERY_MS * (0.75 + 0.5 * this.clock.random())));
    }, delayMs);
  }

  private wait(claim: ClaimedRefresh): void {
    const earlier = this.waiting.get(claim.id);
    if (earlier?.timer) clearTimeout(earlier.timer);
    if (earlier && !earlier.timer) return; // already ready to run
    const timer = setTimeout(
      () => {
        // A timer may fire a millisecond before its time by the wall clock: never run early.
        if (this.clock.now() < claim.at) return this.wait(claim);
        this.waiting.set(claim.id, { claim, timer: null });
        this.ready.push(claim.id);
        this.startReady();
      },
      Math.max(0, claim.at - this.clock.now()),
    );
    this.waiting.set(claim.id, { claim, timer });
  }

  private startReady(): void {
    while (!this.closing && this.running.size < this.config.worker.concurrency && this.ready.length > 0) {
      const id = this.ready.shift()!;
      this.waiting.delete(id);
      const run = this.run(id).finally(() => {
        this.running.delete(run);
        this.startReady();
      });
      this.running.add(run);
    }
  }

  private async run(id: string): Promise<void> {
    let next: number | null;
    try {
      const outcome = await this.tokens.refreshStep(id);
      next = outcome.kind === 'done' ? null : outcome.at;
    } catch (err) {
      this.logger.warn({ sessionId: id, err: String(err) }, 'token refresh step failed; retrying');
      next = this.clock.now() + RETRY_AFTER_ERROR_MS;
    }
    try {
      if (next === null) await this.schedule.cancel(id);
      else await this.schedule.reschedule([{ id, at: next }]);
    } catch (err) {
      // The claim runs out and another sweep takes the refresh again.
      this.logger.warn({ sessionId: id, err: String(err) }, 'could not schedule the next token refresh');
    }
  }
}
