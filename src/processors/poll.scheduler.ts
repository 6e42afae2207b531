import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { Shards } from '../domain/shards';
import { StepOutcome } from '../domain/step';
import { ClockRepository } from '../repositories/clock.repository';
import { ControlMessage, ControlRepository } from '../repositories/control.repository';
import { CANCEL_BATCH_MAX, JobRepository, QUEUE_NAMES } from '../repositories/job.repository';
import { Claimed, LeaseRepository } from '../repositories/lease.repository';
import { MetricsRepository } from '../repositories/metrics.repository';
import { RedisFactory } from '../repositories/redis.factory';
import { whenReady } from '../repositories/redis-ready';
import { REDIS_FACTORY } from '../repositories/tokens';
import { PauseService } from '../services/pause.service';
import { HeldSignIn, PollService } from '../services/poll.service';
import { SessionStore } from '../services/session.store';
import { TimerSlots } from './timer-slots';

/** How long the start waits for the control subscriber's connection before subscribing anyway. */
const SUBSCRIBER_READY_WAIT_MS = 10_000;
/** How often a poller looks for new sign-ins and for ones whose poller went quiet. */
const CLAIM_EVERY_MS = 250;
/** New sign-ins are claimed this long before their first poll, so the timer is set in time. */
const CLAIM_AHEAD_MS = 1_500;
/** With several shards, a shard that had nothing to claim is asked again after this long (under CLAIM_AHEAD_MS). */
const IDLE_SHARD_CLAIM_EVERY_MS = 1_000;
const CLAIM_BATCH = 500;
/** A poll starts only while the lease outlives it by up to this much beyond the request timeout (clock skew, stalls). */
const MAX_LEASE_MARGIN_MS = 5_000;
/** Re-read the pause and the number of pollers this often, in case a pub/sub message was missed. */
const RESYNC_EVERY_MS = 5_000;
/** A lease also covers a step starting this much after its time (a busy event loop). */
const LATE_ALLOWANCE_MS = 1_000;
/** After an error talking to Redis, try the step again this much later. */
const RETRY_AFTER_ERROR_MS = 1_000;
/**
 * Renewals after answers that arrive within this window go to Redis as one command (`renewAll`)
 * instead of one per poll. The next poll is an interval away, so the lease is extended long before.
 */
const RENEW_BATCH_MS = 100;
const RENEW_BATCH_MAX = 500;
/**
 * Sign-ins that end within this window let go of their leases and have their jobs removed together:
 * a command and a script per shard for the lot instead of two per sign-in. The kiosk has its push
 * by then; a sign-in whose job is left by a crash meanwhile is ended at its deadline.
 */
const END_BATCH_MS = 100;
/**
 * Polls are timed on this grid (`TimerSlots`): each is rounded up to the next slot, and the polls
 * of one slot go out together, which costs less CPU per poll than waking the process for each
 * (bench/README.md, "December, fourth"). Never sooner than its time; at most this much later
 * (RFC 8628 sets a minimum interval, not an exact one).
 */
const POLL_SLOT_MS = 20;

interface Held extends HeldSignIn {
  /** This poller's lease in Redis, as last confirmed: no poll starts that could outlive it. */
  leaseUntil: number;
  running: boolean;
  /** The step's next time, as the rules gave it. */
  nextAt: number;
  shard: number;
}

/**
 * The worker side of polling: holds the sign-ins it has claimed in memory and polls each when its
 * time comes (on a grid of timers shared by all of them, `POLL_SLOT_MS`), at the price of a timer
 * plus one Redis write per answer (the lease renewal). Crash safety comes from the leases
 * (`LeaseRepository`): a sign-in whose poller stops renewing is taken over by another after its
 * lease runs out, and the new poller waits a full interval first.
 */
@Injectable()
export class PollScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PollScheduler.name);
  readonly pollerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly held = new Map<string, Held>();
  /** When each held sign-in is next stepped. */
  private readonly timers: TimerSlots<Held>;
  private readonly running = new Set<Promise<void>>();
  private pausedUntil = 0;
  private pollers = 1;
  private closing = false;
  private claimTimer: NodeJS.Timeout | null = null;
  private claimRound = 0;
  private readonly heldByShard = new Map<number, number>();
  /** Shards whose last claim found nothing, and until when they are not asked again. */
  private readonly idleShardUntil = new Map<number, number>();
  private resyncTimer: NodeJS.Timeout | null = null;
  private readonly rate: RateGate;
  private readonly renewals: Batch<{ id: string; until: number }, boolean>;
  private readonly endings: Batch<string, null>;
  /** A poll may start only if the lease outlives `now + startWindowMs` (request timeout plus a margin). */
  private readonly startWindowMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_FACTORY) private readonly redis: RedisFactory,
    private readonly leases: LeaseRepository,
    private readonly shards: Shards,
    private readonly control: ControlRepository,
    private readonly jobs: JobRepository,
    private readonly polls: PollService,
    private readonly pauses: PauseService,
    private readonly store: SessionStore,
    private readonly clock: ClockRepository,
    private readonly metrics: MetricsRepository,
  ) {
    this.timers = new TimerSlots(
      POLL_SLOT_MS,
      (h) => this.run(h),
      () => this.clock.now(),
    );
    this.rate = new RateGate(() => config.poller.pollRatePerSecond / this.pollers);
    this.renewals = new Batch(RENEW_BATCH_MS, RENEW_BATCH_MAX, (leases) => this.leases.renewAll(this.pollerId, leases));
    this.endings = new Batch(END_BATCH_MS, CANCEL_BATCH_MAX, async (ids) => {
      await Promise.all([this.leases.releaseAll(this.pollerId, ids), this.jobs.cancelAll(QUEUE_NAMES.poll, ids)]);
      return ids.map(() => null);
    });
    const { leaseMs } = config.poller;
    const timeoutMs = config.webex.timeoutMs;
    this.startWindowMs = timeoutMs + Math.min(MAX_LEASE_MARGIN_MS, (leaseMs - timeoutMs) / 2);
  }

  async onApplicationBootstrap(): Promise<void> {
    const subscriber = this.redis.blocking('control-sub');
    await whenReady(subscriber, SUBSCRIBER_READY_WAIT_MS);
    await this.control.listen(subscriber, (m) => this.onControl(m));
    await this.resync();
    this.resyncTimer = setInterval(() => void this.resync(), RESYNC_EVERY_MS);
    this.scheduleClaim(0);
    this.logger.log({ poller: this.pollerId, capacity: this.config.poller.capacity }, 'poller started');
  }

  /** Stops claiming, lets running polls finish, and hands every held sign-in back as due. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.claimTimer) clearTimeout(this.claimTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.timers.clearAll();
    await Promise.allSettled([...this.running]);
    await this.endings.flush();
    const back = [...this.held.values()].map((h) => ({ id: h.id, dueAt: h.stage === 'profile' ? this.clock.now() : h.nextAt }));
    for (let i = 0; i < back.length; i += 1_000) {
      await this.leases.handoff(this.pollerId, back.slice(i, i + 1_000)).catch((err: unknown) => {
        this.logger.warn({ err: String(err) }, 'could not hand sign-ins back; their leases will run out instead');
      });
    }
    this.held.clear();
    for (const shard of this.heldByShard.keys()) this.setHeld(shard, 0);
  }

  private scheduleClaim(delayMs: number): void {
    if (this.closing) return;
    this.claimTimer = setTimeout(() => void this.claim(), delayMs);
  }

  private async claim(): Promise<void> {
    try {
      // Every shard this poller serves, starting with a different one each time so that none of
      // them waits behind the others when the poller is near its capacity.
      const shards = this.config.redis.workerShards;
      const first = this.claimRound++ % shards.length;
      for (let i = 0; i < shards.length; i++) {
        const room = Math.min(CLAIM_BATCH, this.config.poller.capacity - this.held.size);
        if (room <= 0) break;
        const now = this.clock.now();
        const shard = shards[(first + i) % shards.length];
        // With several shards, one that had nothing to give is asked again a second later, not at
        // every round: 64 shards claimed four times a second would be a thousand commands a second
        // for an idle worker. Its sign-ins are still claimed ahead of their first poll.
        if (shards.length > 1 && (this.idleShardUntil.get(shard) ?? 0) > now) continue;
        const claimed = await this.leases.claim(
          shard,
          this.pollerId,
          now,
          now + CLAIM_AHEAD_MS,
          this.config.poller.leaseMs,
          room,
        );
        if (shards.length > 1) this.idleShardUntil.set(shard, claimed.length === 0 ? now + IDLE_SHARD_CLAIM_EVERY_MS : 0);
        await Promise.all(claimed.map((c) => this.adopt(c)));
      }
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'could not claim sign-ins');
    } finally {
      // Jitter keeps several pollers from claiming in lockstep.
      this.scheduleClaim(CLAIM_EVERY_MS * (0.75 + 0.5 * this.clock.random()));
    }
  }

  private async adopt(c: Claimed): Promise<void> {
    const mine = this.held.get(c.id);
    if (mine && !c.takenOver) return this.keepOwn(mine, c);
    const claim = this.afterItsTime(c);
    const stored = await this.store.get(c.id);
    const base = stored && this.polls.hold(stored, claim);
    if (!base) {
      await this.leases.release(this.pollerId, c.id);
      return;
    }
    const nextAt = base.stage === 'profile' ? this.clock.now() : base.poll.nextPollAt;
    const leaseUntil = claim.takenOver ? this.clock.now() + this.config.poller.leaseMs : c.at + this.config.poller.leaseMs;
    const shard = this.shards.of(c.id);
    // Every field written out, for one hidden class for all (see `ProviderHttp.send`); the type
    // makes sure none of HeldSignIn's is left behind.
    const h: Held = {
      id: base.id,
      poll: base.poll,
      stage: base.stage,
      deviceCode: base.deviceCode,
      stored: base.stored,
      attempt: base.attempt,
      unsaved: base.unsaved,
      leaseUntil,
      running: false,
      nextAt,
      shard,
    };
    if (!this.held.has(h.id)) this.setHeld(shard, (this.heldByShard.get(shard) ?? 0) + 1);
    this.held.set(h.id, h);
    if (claim.takenOver) {
      if (c.takenOver) this.logger.log({ sessionId: h.id }, 'took over a sign-in whose poller went quiet');
      if (!(await this.renew(h, nextAt))) return;
    }
    this.wake(h, nextAt);
  }

  /**
   * Claimed again from the due set: a Redis failover lost the first claim. What is in memory (when
   * it last polled) is right, the stored poll state is not. The lease the claim wrote counts from
   * the first poll's due time: extend it at once, as the lost renewals had.
   */
  private async keepOwn(mine: Held, c: Claimed): Promise<void> {
    mine.leaseUntil = c.at + this.config.poller.leaseMs;
    await this.renew(mine, mine.nextAt);
  }

  /**
   * A sign-in claimed from the due set only after its time may have been polled already: by a
   * poller whose claim a Redis failover lost (the due set then still holds the first poll's time,
   * and stored poll state records no polls) and which then let it go. It is taken over as if
   * polled now: its next poll comes one interval later, never early. Claims normally come
   * CLAIM_AHEAD_MS before the time; a late one (no poller had room) costs one interval.
   */
  private afterItsTime(c: Claimed): Claimed {
    const now = this.clock.now();
    return c.takenOver || c.at >= now ? c : { ...c, at: now, takenOver: true };
  }

  private wake(h: Held, at: number): void {
    // Recorded even while closing: the hand-back gives it to the next poller as the due time.
    h.nextAt = at;
    if (this.closing) return;
    this.timers.set(h, at);
  }

  private run(h: Held): void {
    if (this.closing || h.running || this.held.get(h.id) !== h) return;
    h.running = true;
    const task = this.runStep(h).finally(() => {
      h.running = false;
      this.running.delete(task);
    });
    this.running.add(task);
  }

  private async runStep(h: Held): Promise<void> {
    // \`TimerSlots\` fires no sooner than \`h.nextAt\` by this clock (it waits out an early libuv timer).
    const now = this.clock.now();
    // Storing an answer already in hand calls no provider: no pause, rate or lease applies to it.
    const calls = h.unsaved === null;
    if (calls && this.pausedUntil > now) return this.wake(h, this.pausedUntil);
    const slot = calls ? this.rate.next(now) : now;
    if (slot > now) return this.wake(h, slot);
    try {
      if (calls && now + this.startWindowMs > h.leaseUntil) {
        if (!(await this.renew(h, now))) return;
        // A renewal answered late (Redis stalled, then caught up) wrote a lease that may have run out
        // by now: another poller may be taking the sign-in over this very moment. Only a lease that
        // still covers the poll lets it start; otherwise renew again, from now.
        if (this.clock.now() + this.startWindowMs > h.leaseUntil) return this.wake(h, this.clock.now());
      }
      const outcome = await this.polls.step(h);
      await this.follow(h, outcome);
    } catch (err) {
      // Redis (or a bug) got in the way: keep the sign-in and try again; the lease bounds how long.
      this.logger.warn({ sessionId: h.id, err: String(err) }, 'poll step failed; retrying');
      this.wake(h, this.clock.now() + RETRY_AFTER_ERROR_MS);
    }
  }

  private async follow(h: Held, outcome: StepOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'done':
        this.forget(h);
        await this.endings.add(h.id);
        return;
      case 'paused':
        await this.pauses.pause(outcome.pauseMs);
        if (await this.renew(h, outcome.at)) this.wake(h, outcome.at);
        return;
      case 'later':
        this.wake(h, outcome.at);
        this.renewAfterAnswer(h, outcome.at);
        return;
    }
  }

  /**
   * The one write per answer: it extends the lease past the next poll, and tells whether the
   * sign-in is still ours (a cancel or a takeover removed it from this poller's set). A failed
   * write leaves the lease as it was; the next step renews it first if it must.
   */
  private renewAfterAnswer(h: Held, at: number): void {
    const until = this.leaseFor(at);
    this.renewals
      .add({ id: h.id, until })
      .then((held) => {
        if (!held) this.forget(h);
        else h.leaseUntil = Math.max(h.leaseUntil, until);
      })
      .catch((err: unknown) => this.logger.warn({ sessionId: h.id, err: String(err) }, 'could not renew a lease'));
  }

  /**
   * Until when to hold a sign-in whose next step is due at `at`: `WORKER_LOCK_MS` from now (how soon
   * a dead poller's sign-ins are taken over), but at least long enough for that step to start and
   * finish its request, when the interval is longer than the lease.
   */
  private leaseFor(at: number): number {
    return Math.max(this.clock.now() + this.config.poller.leaseMs, at + this.startWindowMs + LATE_ALLOWANCE_MS);
  }

  /** Extends the lease past a step due at `at`; forgets the sign-in when it is no longer this poller's. */
  private async renew(h: Held, at: number): Promise<boolean> {
    const until = this.leaseFor(at);
    if (await this.leases.renew(this.pollerId, h.id, until)) {
      h.leaseUntil = until;
      return true;
    }
    this.forget(h);
    return false;
  }

  private forget(h: Held): void {
    this.timers.clear(h);
    if (this.held.get(h.id) !== h) return;
    this.held.delete(h.id);
    this.setHeld(h.shard, (this.heldByShard.get(h.shard) ?? 1) - 1);
  }

  private setHeld(shard: number, n: number): void {
    this.heldByShard.set(shard, n);
    this.metrics.signInsHeld.set({ shard: String(shard) }, n);
  }

  private onControl(message: ControlMessage): void {
    if (message.kind === 'cancel') {
      const h = this.held.get(message.id);
      // A step in flight finds out by itself: its write fails (not pending, or not ours).
      if (h && !h.running) this.forget(h);
      return;
    }
    if (message.until <= this.pausedUntil) return;
    this.pausedUntil = message.until;
    this.holdForPause();
  }

  /** Every sign-in waits out the pause; one command extends all their leases past it. */
  private holdForPause(): void {
    const leases = [...this.held.values()].map((h) => ({
      id: h.id,
      until: this.leaseFor(Math.max(h.nextAt, this.pausedUntil)),
    }));
    this.leases
      .renewMany(this.pollerId, leases)
      .then(() => {
        for (const l of leases) {
          const h = this.held.get(l.id);
          if (h) h.leaseUntil = Math.max(h.leaseUntil, l.until);
        }
      })
      .catch((err: unknown) => this.logger.warn({ err: String(err) }, 'could not extend leases for a pause'));
  }

  private async resync(): Promise<void> {
    try {
      const [until, pollers] = await Promise.all([this.control.pausedUntil(), this.leases.pollerCount()]);
      this.pollers = Math.max(1, pollers);
      if (until > this.pausedUntil) {
        this.pausedUntil = until;
        this.holdForPause();
      }
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'could not read the pause state');
    }
  }
}

/** Collects items for up to `windowMs` (or `max` of them) and hands them to `run` together. */
class Batch<T, R> {
  private items: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
    private readonly run: (items: T[]) => Promise<R[]>,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.items.push({ item, resolve, reject });
      if (this.items.length >= this.max) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
    });
  }

  /** Hands what is collected to `run` now; settles when that run has. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.items;
    this.items = [];
    if (batch.length === 0) return Promise.resolve();
    return this.run(batch.map((b) => b.item)).then(
      (results) => batch.forEach((b, i) => b.resolve(results[i])),
      (err: unknown) => batch.forEach((b) => b.reject(err)),
    );
  }
}

/**
 * `POLL_RATE_LIMIT` across all pollers, shared out evenly: a token bucket per poller holding up to
 * one second of its share. A poll over the limit waits (never sooner than the rules allow, only later).
 */
class RateGate {
  private tokens = 0;
  private at = 0;

  constructor(private readonly perSecond: () => number) {}

  /** `now` when a poll may start now (and takes its token), else when to try again. */
  next(now: number): number {
    const rate = Math.max(1e-3, this.perSecond());
    this.tokens = Math.min(rate, this.tokens + ((now - this.at) / 1000) * rate);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return now;
    }
    return now + Math.ceil(((1 - this.tokens) / rate) * 1000);
  }
}
