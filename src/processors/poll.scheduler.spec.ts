import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppConfig } from '../config/config.schema';
import { Shards } from '../domain/shards';
import { StepOutcome } from '../domain/step';
import { ClockRepository } from '../repositories/clock.repository';
import { ControlMessage, ControlRepository } from '../repositories/control.repository';
import { JobRepository } from '../repositories/job.repository';
import { Claimed, LeaseRepository } from '../repositories/lease.repository';
import { MetricsRepository } from '../repositories/metrics.repository';
import { RedisFactory } from '../repositories/redis.factory';
import { PauseService } from '../services/pause.service';
import { HeldSignIn, PollService } from '../services/poll.service';
import { SessionStore } from '../services/session.store';
import { sameHiddenClass } from '../testing/hidden-class';
import { PollScheduler } from './poll.scheduler';

/**
 * The scheduler's timing on a fake clock (vitest's fake timers drive both `Date.now()` and the
 * timers): when each sign-in is polled, when leases are renewed, and what a pause, a cancel, a lost
 * lease and a shutdown do. The leases and the polls are scripted stand-ins; `test/scale-out.test.ts`
 * and `test/takeover.test.ts` run the real ones against Redis.
 */

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const LEASE_MS = 30_000;
const TIMEOUT_MS = 10_000;
/** The scheduler's start window for these settings: the request timeout plus min(5 s, half the rest). */
const START_WINDOW_MS = TIMEOUT_MS + Math.min(5_000, (LEASE_MS - TIMEOUT_MS) / 2);

class SteadyClock extends ClockRepository {
  override random(): number {
    return 0.5; // claim rounds exactly every 250 ms
  }
}

/** The due set and this poller's leases, in memory; a renewal can be held back to answer late. */
class ScriptedLeases {
  readonly due = new Map<string, number>();
  readonly owned = new Map<string, number>();
  readonly renewCalls: Array<{ id: string; until: number; at: number }> = [];
  readonly renewManyCalls: Array<Array<{ id: string; until: number }>> = [];
  readonly handedBack: Array<{ id: string; dueAt: number }> = [];
  readonly released: string[] = [];
  /** Each `releaseAll` call's ids, in order. */
  readonly releaseCalls: string[][] = [];
  /** While set, `renew` answers only when the returned promise's resolver is called. */
  holdRenewals = false;
  readonly heldRenewals: Array<() => void> = [];
  /** Ids whose lease this poller lost (a takeover or a cancel removed them from its set). */
  readonly lost = new Set<string>();

  claim(_shard: number, _me: string, _now: number, horizon: number, leaseMs: number, limit: number): Promise<Claimed[]> {
    const claimed = [...this.due].filter(([, at]) => at <= horizon).slice(0, limit);
    for (const [id, at] of claimed) {
      this.due.delete(id);
      this.owned.set(id, at + leaseMs);
    }
    return Promise.resolve(claimed.map(([id, at]) => ({ id, at, takenOver: false })));
  }

  renew(_me: string, id: string, until: number): Promise<boolean> {
    this.renewCalls.push({ id, until, at: Date.now() });
    const answer = () => this.write(id, until);
    if (!this.holdRenewals) return Promise.resolve(answer());
    return new Promise((resolve) => this.heldRenewals.push(() => resolve(answer())));
  }

  renewAll(_me: string, leases: Array<{ id: string; until: number }>): Promise<boolean[]> {
    return Promise.resolve(leases.map((l) => this.write(l.id, l.until)));
  }

  renewMany(_me: string, leases: Array<{ id: string; until: number }>): Promise<void> {
    this.renewManyCalls.push(leases);
    for (const l of leases) this.write(l.id, l.until);
    return Promise.resolve();
  }

  release(me: string, id: string): Promise<void> {
    return this.releaseAll(me, [id]);
  }

  releaseAll(_me: string, ids: readonly string[]): Promise<void> {
    this.releaseCalls.push([...ids]);
    for (const id of ids) {
      this.owned.delete(id);
      this.released.push(id);
    }
    return Promise.resolve();
  }

  handoff(_me: string, sessions: Array<{ id: string; dueAt: number }>): Promise<void> {
    this.handedBack.push(...sessions);
    return Promise.resolve();
  }

  pollerCount(): Promise<number> {
    return Promise.resolve(1);
  }

  private write(id: string, until: number): boolean {
    if (this.lost.has(id) || !this.owned.has(id)) return false;
    this.owned.set(id, Math.max(this.owned.get(id)!, until));
    return true;
  }
}

/** Polls that answer as scripted per sign-in (the last answer repeats), recording when each started. */
class ScriptedPolls {
  readonly steps: Array<{ id: string; at: number }> = [];
  /** Each step's held sign-in, as the scheduler passed it. */
  readonly held: HeldSignIn[] = [];
  private readonly scripts = new Map<string, Array<(now: number) => StepOutcome>>();

  script(id: string, ...answers: Array<(now: number) => StepOutcome>): void {
    this.scripts.set(id, answers);
  }

  hold(stored: { record: { id: string } }, claim: { at: number }): HeldSignIn {
    const id = stored.record.id;
    const poll = { intervalS: 2, nextPollAt: claim.at, lastPollAt: 0, expiresAt: claim.at + 600_000 };
    return { id, poll, stage: 'polling', deviceCode: 'device-code', stored, attempt: 0, unsaved: null } as unknown as HeldSignIn;
  }

  step(h: HeldSignIn): Promise<StepOutcome> {
    const now = Date.now();
    this.steps.push({ id: h.id, at: now - T0 });
    this.held.push(h);
    const answers = this.scripts.get(h.id) ?? [];
    const next = answers.length > 1 ? answers.shift()! : answers[0];
    return Promise.resolve(next ? next(now) : { kind: 'done' });
  }

  timesOf(id: string): number[] {
    return this.steps.filter((s) => s.id === id).map((s) => s.at);
  }
}

const every = (ms: number) => (now: number) => ({ kind: 'later', at: now + ms }) as const;
const done = () => ({ kind: 'done' }) as const;

describe('PollScheduler on a fake clock', () => {
  let leases: ScriptedLeases;
  let polls: ScriptedPolls;
  let onControl: (m: ControlMessage) => void;
  let pauses: { pause: ReturnType<typeof vi.fn> };
  let cancelled: string[];
  /** Each `cancelAll` call's ids. */
  let cancelCalls: string[][];
  let scheduler: PollScheduler;

  function start(pollRatePerSecond = 1_000): PollScheduler {
    const config = {
      poller: { capacity: 100, leaseMs: LEASE_MS, pollRatePerSecond },
      webex: { timeoutMs: TIMEOUT_MS },
      redis: { workerShards: [0] },
    } as unknown as AppConfig;
    const redis = { blocking: () => ({ status: 'ready' }) } as unknown as RedisFactory;
    const control = {
      listen: (_sub: unknown, cb: (m: ControlMessage) => void) => {
        onControl = cb;
        return Promise.resolve();
      },
      pausedUntil: () => Promise.resolve(0),
    } as unknown as ControlRepository;
    const jobs = {
      cancelAll: (_q: string, ids: readonly string[]) => {
        cancelCalls.push([...ids]);
        cancelled.push(...ids);
        return Promise.resolve();
      },
    } as unknown as JobRepository;
    const store = { get: (id: string) => Promise.resolve({ record: { id } }) } as unknown as SessionStore;
    const metrics = { signInsHeld: { set: () => undefined } } as unknown as MetricsRepository;
    scheduler = new PollScheduler(
      config,
      redis,
      leases as unknown as LeaseRepository,
      new Shards('t', 1),
      control,
      jobs,
      polls as unknown as PollService,
      pauses as unknown as PauseService,
      store,
      new SteadyClock(),
      metrics,
    );
    return scheduler;
  }

  beforeEach(() => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    leases = new ScriptedLeases();
    polls = new ScriptedPolls();
    pauses = { pause: vi.fn(() => Promise.resolve()) };
    cancelled = [];
    cancelCalls = [];
  });

  afterEach(async () => {
    await scheduler?.onApplicationShutdown();
    vi.useRealTimers();
  });

  it('polls a sign-in at its first time and then exactly when each answer says, never sooner', async () => {
    leases.due.set('s1', T0 + 2_000);
    polls.script('s1', every(2_000), every(2_000), every(5_000), done);
    await start().onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(polls.timesOf('s1')).toEqual([2_000, 4_000, 6_000, 11_000]);
    // Done: its lease is released and its queue job removed, and nothing polls it again.
    expect(leases.released).toEqual(['s1']);
    expect(cancelled).toEqual(['s1']);
  });

  it('keeps every held sign-in in an object of one hidden class (each poll reads it)', async () => {
    // V8 shares a class among the first few objects of a kind whatever the code; a few dozen show it.
    const ids = Array.from({ length: 40 }, (_, i) => `s${i}`);
    for (const id of ids) {
      leases.due.set(id, T0 + 2_000);
      polls.script(id, done);
    }
    await start().onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(polls.held).toHaveLength(ids.length);
    for (const other of polls.held.slice(1)) expect(sameHiddenClass(polls.held[0], other)).toBe(true);
  });

  it('lets go of sign-ins that end together, and removes their jobs, in one call each', async () => {
    for (const id of ['a', 'b', 'c']) {
      leases.due.set(id, T0 + 2_000);
      polls.script(id, done);
    }
    leases.due.set('d', T0 + 2_000);
    polls.script('d', every(2_000), done);
    await start().onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(10_000);
    // a, b and c end on the same answer round: one release and one removal for the three; d ends
    // later, in a call of its own.
    expect(leases.releaseCalls.map((ids) => [...ids].sort())).toEqual([['a', 'b', 'c'], ['d']]);
    expect(cancelCalls.map((ids) => [...ids].sort())).toEqual([['a', 'b', 'c'], ['d']]);
    expect(polls.timesOf('d')).toEqual([2_000, 4_000]);
  });

  it('spreads polls due together over POLL_RATE_LIMIT, each one later, none sooner', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      leases.due.set(id, T0 + 2_000);
      polls.script(id, done);
    }
    await start(2).onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(10_000);
    // A full bucket (one second's worth, 2 polls), then one every 500 ms.
    expect(polls.steps.map((s) => s.at)).toEqual([2_000, 2_000, 2_500, 3_000, 3_500]);
  });

  it('polls sign-ins due within one slot together, at the end of the slot, none sooner', async () => {
    const dueAt = { a: 2_001, b: 2_007, c: 2_019, d: 2_020, e: 2_021 };
    for (const [id, at] of Object.entries(dueAt)) {
      leases.due.set(id, T0 + at);
      polls.script(id, done);
    }
    await start().onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(10_000);
    const at = Object.fromEntries(polls.steps.map((s) => [s.id, s.at]));
    // The 20 ms grid (POLL_SLOT_MS).
    expect(at).toEqual({ a: 2_020, b: 2_020, c: 2_020, d: 2_020, e: 2_040 });
  });

  it('renews the lease before a poll it would not cover, and again when that renewal answered too late', async () => {
    leases.due.set('s1', T0 + 2_000);
    // The answer asks for the next poll 40 s later; the renewal after it is lost (never answers).
    polls.script('s1', every(40_000), every(2_000));
    leases.renewAll = () => new Promise(() => undefined);
    await start().onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(polls.timesOf('s1')).toEqual([2_000]);
    // The lease the claim wrote (due + 30 s) does not cover a poll at 42 s: renew first. That
    // renewal answers 40 s late, when the lease it wrote (from 42 s) covers no poll any more.
    leases.holdRenewals = true;
    await vi.advanceTimersByTimeAsync(40_000);
    expect(leases.renewCalls.map((r) => r.at - T0)).toEqual([42_000]);
    await vi.advanceTimersByTimeAsync(40_000);
    leases.holdRenewals = false;
    leases.heldRenewals.shift()!();
    await vi.advanceTimersByTimeAsync(1);
    // No poll on the stale lease: a second renewal first, then the poll.
    expect(leases.renewCalls.map((r) => r.at - T0)).toEqual([42_000, 82_000]);
    expect(leases.renewCalls[1].until).toBeGreaterThanOrEqual(T0 + 82_000 + START_WINDOW_MS);
    expect(polls.timesOf('s1')).toEqual([2_000, 82_000]);
  });

  it('holds every sign-in through a pause, extending all their leases in one write', async () => {
    for (const id of ['a', 'b']) {
      leases.due.set(id, T0 + 2_000);
      polls.script(id, every(2_000));
    }
    await start().onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(2_000);
    onControl({ kind: 'pause', until: T0 + 12_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(leases.renewManyCalls).toHaveLength(1);
    expect(leases.renewManyCalls[0].map((l) => l.id).sort()).toEqual(['a', 'b']);
    for (const l of leases.renewManyCalls[0]) expect(l.until).toBeGreaterThanOrEqual(T0 + 12_000 + START_WINDOW_MS);
    await vi.advanceTimersByTimeAsync(12_000);
    // Polled at 2 s, then nothing until the pause ends at 12 s.
    expect(polls.timesOf('a')).toEqual([2_000, 12_000, 14_000]);
    expect(polls.timesOf('b')).toEqual([2_000, 12_000, 14_000]);
  });

  it('pauses every caller on a rate-limited answer and polls again at the time it gives', async () => {
    leases.due.set('s1', T0 + 2_000);
    polls.script('s1', (now) => ({ kind: 'paused', at: now + 7_000, pauseMs: 7_000 }), done);
    await start().onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(pauses.pause).toHaveBeenCalledWith(7_000);
    expect(polls.timesOf('s1')).toEqual([2_000, 9_000]);
  });

  it('stops polling a sign-in that was cancelled, or whose lease another poller took', async () => {
    for (const id of ['cancelled', 'taken', 'kept']) {
      leases.due.set(id, T0 + 2_000);
      polls.script(id, every(2_000));
    }
    await start().onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(2_000);
    onControl({ kind: 'cancel', id: 'cancelled' });
    // The renewal after its answer (batched, sent 100 ms later) finds it in another poller's hands.
    leases.lost.add('taken');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(polls.timesOf('cancelled')).toEqual([2_000]);
    expect(polls.timesOf('taken')).toEqual([2_000]);
    expect(polls.timesOf('kept')).toEqual([2_000, 4_000, 6_000, 8_000, 10_000, 12_000]);
  });

  it('hands its sign-ins back on shutdown, each due when it would have been polled', async () => {
    leases.due.set('s1', T0 + 2_000);
    leases.due.set('s2', T0 + 2_000);
    polls.script('s1', every(2_000));
    polls.script('s2', every(30_000));
    await start().onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(3_000);
    await scheduler.onApplicationShutdown();
    expect(leases.handedBack.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 's1', dueAt: T0 + 4_000 },
      { id: 's2', dueAt: T0 + 32_000 },
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(polls.steps).toHaveLength(2);
  });
});
