import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../src/config/config.schema';
import type { SessionStatus } from '../src/domain/session';
import { Shards } from '../src/domain/shards';
import type { StepOutcome } from '../src/domain/step';
import { RefreshScheduler } from '../src/processors/refresh.scheduler';
import { ClockRepository } from '../src/repositories/clock.repository';
import { JobRepository } from '../src/repositories/job.repository';
import { RefreshScheduleRepository } from '../src/repositories/refresh-schedule.repository';
import { SessionRepository } from '../src/repositories/session.repository';
import type { TokenService } from '../src/services/token.service';
import { sessionRecord } from '../src/testing/session-record';
import { usePrivateRedis } from './support/private-redis';

/** Token refreshes scheduled in a sorted set per shard, claimed by workers: against a real Redis. */
describe('RefreshScheduleRepository', () => {
  const redis = usePrivateRedis();
  let client: Redis;
  let refreshes: RefreshScheduleRepository;
  const T = 1_000_000;
  const LEASE = 60_000;

  beforeAll(() => {
    client = redis.client;
    refreshes = new RefreshScheduleRepository(client, new Shards('t', 1));
  });

  beforeEach(async () => {
    await client.flushdb();
  });

  it('hands a refresh coming due to one worker, and to another only once that claim has run out', async () => {
    await refreshes.schedule('s1', T + 1_000);
    await refreshes.schedule('s2', T + 9_000);
    expect(await refreshes.claim(0, T, T + LEASE, 10)).toEqual([]);
    const [a, b] = await Promise.all([
      refreshes.claim(0, T + 2_000, T + LEASE, 10),
      refreshes.claim(0, T + 2_000, T + LEASE, 10),
    ]);
    expect([...a, ...b]).toEqual([{ id: 's1', at: T + 1_000 }]);
    expect(await refreshes.dueAt('s1')).toBe(T + LEASE);
    // The worker that claimed it died: once the claim runs out, it is due for another worker.
    expect(await refreshes.claim(0, T + LEASE - 1, T + 2 * LEASE, 10)).toEqual([{ id: 's2', at: T + 9_000 }]);
    expect(await refreshes.claim(0, T + LEASE, T + 2 * LEASE, 10)).toEqual([{ id: 's1', at: T + LEASE }]);
  });

  it('claims no more than asked, soonest first', async () => {
    for (let i = 5; i >= 1; i--) await refreshes.schedule(`s${i}`, T + i);
    expect((await refreshes.claim(0, T + 10, T + LEASE, 2)).map((c) => c.id)).toEqual(['s1', 's2']);
    expect(await refreshes.claim(0, T + 10, T + LEASE, 0)).toEqual([]);
  });

  it('reschedules only what is still scheduled: a session signed out during its refresh stays out', async () => {
    await refreshes.schedule('s1', T);
    await refreshes.schedule('s2', T);
    await refreshes.claim(0, T, T + LEASE, 10);
    await refreshes.cancel('s2');
    await refreshes.reschedule([
      { id: 's1', at: T + 5_000 },
      { id: 's2', at: T + 5_000 },
    ]);
    expect(await client.zrange('{t}:refresh:due', 0, -1, 'WITHSCORES')).toEqual(['s1', String(T + 5_000)]);
  });

  it('is written by the change that authorizes a session, in its script: both or neither', async () => {
    const shards = new Shards('t', 1);
    const sessions = new SessionRepository(client, shards);
    const id = shards.newId();
    const value = (status: SessionStatus) => ({
      record: sessionRecord(id, status),
      sealedDeviceCode: null,
      sealedTokens: null,
      sealedProfile: null,
    });
    await sessions.create(value('pending'), 60_000);
    // A writer that lost the compare-and-set schedules nothing.
    expect(await sessions.update(id, 7, value('authorized'), 60_000, null, false, T + 5_000)).toBe('conflict');
    expect(await refreshes.dueAt(id)).toBeNull();
    expect(await sessions.update(id, 1, value('authorized'), 60_000, null, false, T + 5_000)).toBe('ok');
    expect(await refreshes.dueAt(id)).toBe(T + 5_000);
    // A later change without a time leaves the schedule as it is.
    expect(await sessions.update(id, 2, value('authorized'), 60_000, null)).toBe('ok');
    expect(await refreshes.dueAt(id)).toBe(T + 5_000);
  });

  it('counts what is scheduled and what is overdue with no worker on it, shard by shard', async () => {
    const sharded = new RefreshScheduleRepository(client, new Shards('t', 2));
    const id = (shard: number, n: number) => `${shard}.session-number-${n}-xxxxxxx`;
    await sharded.schedule(id(0, 1), T - 120_000);
    await sharded.schedule(id(0, 2), T + 1_000);
    await sharded.schedule(id(1, 1), T - 120_000);
    await sharded.claim(1, T, T + LEASE, 10);
    expect(await client.exists('{t-0}:refresh:due', '{t-1}:refresh:due')).toBe(2);
    expect(await sharded.counts(T, 60_000)).toEqual([
      { scheduled: 2, overdue: 1 },
      { scheduled: 1, overdue: 0 },
    ]);
  });
});

describe('RefreshScheduler', () => {
  const redis = usePrivateRedis();
  let client: Redis;
  let refreshes: RefreshScheduleRepository;
  let jobs: JobRepository;
  const config = {
    redis: { workerShards: [0] },
    worker: { concurrency: 50 },
    poller: { leaseMs: 30_000 },
  } as unknown as AppConfig;

  /** A TokenService whose refresh step answers from a script and says when it ran. */
  function scriptedTokens(answer: (id: string) => StepOutcome) {
    const runs: Array<{ id: string; at: number }> = [];
    const waiters: Array<{ n: number; resolve: () => void }> = [];
    const tokens = {
      refreshStep: (id: string) => {
        runs.push({ id, at: Date.now() });
        for (const w of waiters.filter((w) => runs.length >= w.n)) w.resolve();
        return Promise.resolve(answer(id));
      },
    } as unknown as TokenService;
    const ran = (n: number) => new Promise<void>((resolve) => (runs.length >= n ? resolve() : waiters.push({ n, resolve })));
    return { tokens, runs, ran };
  }

  beforeAll(() => {
    client = redis.client;
    refreshes = new RefreshScheduleRepository(client, new Shards('t', 1));
    jobs = new JobRepository(client, new Shards('t', 1));
  });

  afterAll(async () => {
    await jobs?.onApplicationShutdown();
  });

  beforeEach(async () => {
    await client.flushdb();
  });

  it("moves the jobs an earlier version left in its token-refresh queue to the schedule, at each one's time", async () => {
    // As versions before the schedule kept them: a delayed job per signed-in session, id = session.
    const legacy = new Queue('token-refresh', { connection: client, prefix: '{t}' });
    const now = Date.now();
    await legacy.add('token-refresh', { sessionId: 'old-1' }, { jobId: 'old-1', delay: 3_600_000 });
    await legacy.add('token-refresh', { sessionId: 'old-2' }, { jobId: 'old-2', delay: 7_200_000 });
    // One already on the new schedule keeps its time there.
    await legacy.add('token-refresh', { sessionId: 'both' }, { jobId: 'both', delay: 60_000 });
    await refreshes.schedule('both', now + 5_000);
    const t = scriptedTokens(() => ({ kind: 'done' }));
    const scheduler = new RefreshScheduler(config, refreshes, t.tokens, new ClockRepository(), jobs);
    expect(await scheduler.adoptLegacyJobs()).toBe(3);
    expect((await refreshes.dueAt('old-1'))! - now).toBeGreaterThanOrEqual(3_600_000);
    expect((await refreshes.dueAt('old-1'))! - now).toBeLessThan(3_600_000 + 5_000);
    expect((await refreshes.dueAt('old-2'))! - now).toBeGreaterThanOrEqual(7_200_000);
    expect(await refreshes.dueAt('both')).toBe(now + 5_000);
    expect(await legacy.getJobCounts('delayed', 'waiting')).toMatchObject({ delayed: 0, waiting: 0 });
    // Nothing left: the next round finds an empty queue.
    expect(await scheduler.adoptLegacyJobs()).toBe(0);
    await legacy.close();
  });

  it('runs each refresh at its time, never before, and writes when the next one is due or that none is', async () => {
    const now = Date.now();
    const next = now + 3_600_000;
    const t = scriptedTokens((id) => (id === 'later' ? { kind: 'later', at: next } : { kind: 'done' }));
    await refreshes.schedule('later', now + 300);
    await refreshes.schedule('ended', now + 100);
    const scheduler = new RefreshScheduler(config, refreshes, t.tokens, new ClockRepository(), jobs);
    await scheduler.sweep();
    await t.ran(2);
    await scheduler.idle();
    expect(t.runs.map((r) => r.id)).toEqual(['ended', 'later']);
    expect(t.runs[0].at).toBeGreaterThanOrEqual(now + 100);
    expect(t.runs[1].at).toBeGreaterThanOrEqual(now + 300);
    expect(await refreshes.dueAt('later')).toBe(next);
    expect(await refreshes.dueAt('ended')).toBeNull();
    await scheduler.onApplicationShutdown();
  });

  it('tries a step that threw again a few seconds later', async () => {
    const t = scriptedTokens(() => {
      throw new Error('Redis went away');
    });
    await refreshes.schedule('s1', Date.now());
    const scheduler = new RefreshScheduler(config, refreshes, t.tokens, new ClockRepository(), jobs);
    await scheduler.sweep();
    await t.ran(1);
    await scheduler.idle();
    expect((await refreshes.dueAt('s1'))! - t.runs[0].at).toBeGreaterThanOrEqual(4_000);
    expect((await refreshes.dueAt('s1'))! - t.runs[0].at).toBeLessThanOrEqual(6_000);
    await scheduler.onApplicationShutdown();
  });

  it('gives the refreshes it claimed but has not run back at their time when it stops', async () => {
    const t = scriptedTokens(() => ({ kind: 'done' }));
    const due = Date.now() + 3_000;
    await refreshes.schedule('s1', due);
    const scheduler = new RefreshScheduler(config, refreshes, t.tokens, new ClockRepository(), jobs);
    await scheduler.sweep();
    expect(await refreshes.dueAt('s1')).toBeGreaterThan(due); // claimed: held until its lease runs out
    await scheduler.onApplicationShutdown();
    expect(await refreshes.dueAt('s1')).toBe(due);
    expect(t.runs).toEqual([]);
  });

  it('runs no more than its concurrency at once, and the rest as slots free up', async () => {
    const gates: Array<() => void> = [];
    const runs: string[] = [];
    const tokens = {
      refreshStep: (id: string) => {
        runs.push(id);
        return new Promise<StepOutcome>((resolve) => gates.push(() => resolve({ kind: 'done' })));
      },
    } as unknown as TokenService;
    for (let i = 0; i < 5; i++) await refreshes.schedule(`s${i}`, Date.now());
    const small = { ...config, worker: { concurrency: 3 } } as unknown as AppConfig;
    const scheduler = new RefreshScheduler(small, refreshes, tokens, new ClockRepository(), jobs);
    await scheduler.sweep();
    await expect.poll(() => runs.length).toBe(3);
    // Every one is claimed, none can be taken by another worker meanwhile.
    expect(await refreshes.claim(0, Date.now(), Date.now(), 10)).toEqual([]);
    gates.shift()!();
    await expect.poll(() => runs.length).toBe(4);
    while (gates.length > 0 || runs.length < 5) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await scheduler.idle();
    expect(runs.sort()).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(await refreshes.counts(Date.now(), 0)).toEqual([{ scheduled: 0, overdue: 0 }]);
    await scheduler.onApplicationShutdown();
  });
});
