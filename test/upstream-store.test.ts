import Redis from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrendRepository } from '../src/repositories/trend.repository';
import { FAILURES_KEPT, UpstreamRepository } from '../src/repositories/upstream.repository';
import { usePrivateRedis } from './support/private-redis';

/**
 * Issue #13.7 and #13.8 keep what they learn in Redis, shared by every process: bounded whatever
 * happens (a capped list, keys that expire), and the Lua rules of "problem since / until fixed"
 * as a real Redis runs them.
 */
describe('upstream failures and trends in Redis', () => {
  const server = usePrivateRedis();
  let redis: Redis;

  beforeAll(() => {
    redis = server.client;
  });

  it('keeps the newest failures only, and forgets them a day later', async () => {
    const repo = new UpstreamRepository(redis, '{t1}');
    for (let i = 0; i < FAILURES_KEPT + 30; i++) await repo.addFailure(JSON.stringify({ i }));
    const kept = await repo.recentFailures();
    expect(kept).toHaveLength(FAILURES_KEPT);
    expect(JSON.parse(kept[0])).toEqual({ i: FAILURES_KEPT + 29 });
    const ttl = await redis.pttl('{t1}:upstream:failures');
    expect(ttl).toBeGreaterThan(23 * 3600 * 1000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600 * 1000);
  });

  it('dates a problem from its first sighting since the provider last answered normally', async () => {
    const repo = new UpstreamRepository(redis, '{t2}');
    await repo.markProblem('unreachable', 1_000, 'ECONNREFUSED');
    await repo.markProblem('unreachable', 2_000, 'ECONNREFUSED');
    expect(await repo.currentProblems()).toEqual([
      { kind: 'unreachable', since: 1_000, lastSeenAt: 2_000, message: 'ECONNREFUSED' },
    ]);
    await repo.markOk(2_500);
    // An answer recorded late from another process never moves the mark back.
    await repo.markOk(1_500);
    expect(await repo.currentProblems()).toEqual([]);
    await repo.markProblem('unreachable', 3_000, 'ETIMEDOUT');
    expect(await repo.currentProblems()).toEqual([
      { kind: 'unreachable', since: 3_000, lastSeenAt: 3_000, message: 'ETIMEDOUT' },
    ]);
  });

  it('sums per-minute counts from several writers, in keys that expire', async () => {
    const other = new Redis(server.url);
    const [a, b] = [new TrendRepository(redis, '{t3}'), new TrendRepository(other, '{t3}')];
    await Promise.all([
      a.add(100, { created: 2, 'ended:authorized': 1 }),
      b.add(100, { created: 1, zero: 0 }),
      b.add(101, { created: 5 }),
    ]);
    expect(await a.read([99, 100, 101])).toEqual([{}, { created: 3, 'ended:authorized': 1 }, { created: 5 }]);
    const ttl = await redis.pttl('{t3}:trends:100');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2 * 3600 * 1000);
    await other.quit();
  });
});
