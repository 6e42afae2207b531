import Redis from 'ioredis';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Shards } from '../src/domain/shards';
import { LeaseRepository } from '../src/repositories/lease.repository';
import { commandCalls } from './support/command-stats';
import { usePrivateRedis } from './support/private-redis';

/** The lease scripts against a real Redis: who holds which sign-in, and what a late or lost poller can do. */
describe('LeaseRepository', () => {
  const redis = usePrivateRedis();
  let client: Redis;
  let leases: LeaseRepository;
  const LEASE = 10_000;
  const T = 1_000_000;

  beforeAll(() => {
    client = redis.client;
    leases = new LeaseRepository(client, new Shards('t', 1));
  });

  beforeEach(async () => {
    await client.flushdb();
  });

  it('hands a new sign-in to one poller shortly before its first poll, never to two', async () => {
    await leases.enqueue('s1', T + 2_000);
    expect(await leases.claim(0, 'a', T, T + 1_000, LEASE, 10)).toEqual([]);
    const [first, second] = await Promise.all([
      leases.claim(0, 'a', T + 1_000, T + 2_000, LEASE, 10),
      leases.claim(0, 'b', T + 1_000, T + 2_000, LEASE, 10),
    ]);
    expect([...first, ...second]).toEqual([{ id: 's1', at: T + 2_000, takenOver: false }]);
    expect(await client.zscore(`{t}:polls:owner:${first.length ? 'a' : 'b'}`, 's1')).toBe(String(T + 2_000 + LEASE));
  });

  it('takes a sign-in over only once its lease has run out, and says so', async () => {
    await leases.enqueue('s1', T);
    await leases.claim(0, 'a', T, T, LEASE, 10);
    expect(await leases.claim(0, 'b', T + LEASE - 1, T + LEASE - 1, LEASE, 10)).toEqual([]);
    // `at`: when the quiet poller's lease ran out, not when it was noticed.
    expect(await leases.claim(0, 'b', T + LEASE + 300, T + LEASE + 300, LEASE, 10)).toEqual([
      { id: 's1', at: T + LEASE, takenOver: true },
    ]);
  });

  it('a renewal keeps the sign-in; the poller that lost it cannot write it back', async () => {
    await leases.enqueue('s1', T);
    await leases.claim(0, 'a', T, T, LEASE, 10);
    expect(await leases.renew('a', 's1', T + 2 * LEASE)).toBe(true);
    expect(await leases.claim(0, 'b', T + LEASE, T + LEASE, LEASE, 10)).toEqual([]);
    expect(await leases.claim(0, 'b', T + 2 * LEASE, T + 2 * LEASE, LEASE, 10)).toHaveLength(1);
    // A late write of the poller that went quiet lands on a set the sign-in has left: a no-op.
    expect(await leases.renew('a', 's1', T + 5 * LEASE)).toBe(false);
    expect(await client.zscore('{t}:polls:owner:a', 's1')).toBeNull();
    expect(await client.zscore('{t}:polls:owner:b', 's1')).toBe(String(T + 3 * LEASE));
  });

  it('renews many in one round trip and tells which ones are still held', async () => {
    await Promise.all(['s1', 's2', 's3'].map((id) => leases.enqueue(id, T)));
    await leases.claim(0, 'a', T, T, LEASE, 10);
    await leases.drop('s2');
    const ok = await leases.renewAll('a', [
      { id: 's1', until: T + 20_000 },
      { id: 's2', until: T + 20_000 },
      { id: 's3', until: T + LEASE }, // the same score again: still held
    ]);
    expect(ok).toEqual([true, false, true]);
  });

  it('renews every lease a poller holds with one command when all of them are still its own', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `s${i}`);
    await Promise.all(ids.map((id) => leases.enqueue(id, T)));
    await leases.claim(0, 'a', T, T, LEASE, 100);
    const before = await commandCalls(client);
    const ok = await leases.renewAll(
      'a',
      ids.map((id, i) => ({ id, until: T + 20_000 + i })),
    );
    const after = await commandCalls(client);
    expect(ok.every(Boolean)).toBe(true);
    // The first INFO shows in the second reading: one ZADD besides it, nothing else.
    expect(after.total - before.total).toBe(1 + 1);
    expect(after.of('zadd') - before.of('zadd')).toBe(1);
    expect(await client.zscore('{t}:polls:owner:a', 's49')).toBe(String(T + 20_049));
  });

  it('a drop takes the sign-in out of the due set and out of whichever poller holds it', async () => {
    await Promise.all(['s1', 's2'].map((id) => leases.enqueue(id, T)));
    await leases.claim(0, 'a', T, T, LEASE, 1);
    await leases.drop('s1');
    await leases.drop('s2');
    expect(await leases.claim(0, 'b', T + 10 * LEASE, T + 10 * LEASE, LEASE, 10)).toEqual([]);
    expect(await leases.renew('a', 's1', T + 20_000)).toBe(false);
  });

  it('a poller that stops hands its sign-ins back as due at their next poll, with no takeover wait', async () => {
    await Promise.all(['s1', 's2'].map((id) => leases.enqueue(id, T)));
    await leases.claim(0, 'a', T, T, LEASE, 10);
    await leases.handoff('a', [
      { id: 's1', dueAt: T + 2_000 },
      { id: 's2', dueAt: T + 3_000 },
    ]);
    expect(await client.sismember('{t}:polls:pollers', 'a')).toBe(0);
    expect(await leases.claim(0, 'b', T + 1_000, T + 2_500, LEASE, 10)).toEqual([{ id: 's1', at: T + 2_000, takenOver: false }]);
  });

  it('claims no more than asked, oldest due first', async () => {
    await Promise.all([3, 1, 2].map((n) => leases.enqueue(`s${n}`, T + n)));
    expect((await leases.claim(0, 'a', T, T + 10, LEASE, 2)).map((c) => c.id)).toEqual(['s1', 's2']);
    expect(await leases.unclaimed(T + 10_000, 5_000)).toEqual([1]);
  });

  it('forgets a poller with nothing left, and registers it again with its next sign-in', async () => {
    await leases.enqueue('s1', T);
    await leases.claim(0, 'a', T, T, LEASE, 10);
    await client.zrem('{t}:polls:owner:a', 's1');
    await leases.claim(0, 'b', T, T, LEASE, 10);
    expect(await client.smembers('{t}:polls:pollers')).toEqual([]);
    await leases.enqueue('s2', T);
    await leases.claim(0, 'a', T, T, LEASE, 10);
    expect(await client.smembers('{t}:polls:pollers')).toEqual(['a']);
    expect(await leases.pollerCount()).toBe(1);
  });

  it('lists a pending sign-in while pollers claim it and hand it back around the read', async () => {
    // The read must see the due set and every poller's set at one instant: read apart, a sign-in
    // a new poller claims between them is in neither.
    const other = new Redis(redis.url);
    const mover = new LeaseRepository(other, new Shards('t', 1));
    await leases.enqueue('s1', T);
    let moving = true;
    const moves = (async () => {
      for (let n = 0; moving; n += 1) {
        const me = `p${n % 3}`;
        if ((await mover.claim(0, me, T, T, LEASE, 10)).length) await mover.handoff(me, [{ id: 's1', dueAt: T }]);
      }
    })();
    try {
      const reads: string[][] = [];
      for (let i = 0; i < 300; i += 1) reads.push(await leases.pendingIds(10));
      expect(reads.filter((ids) => !ids.includes('s1')).length).toBe(0);
    } finally {
      moving = false;
      await moves;
      other.disconnect();
    }
  });

  describe('over several shards', () => {
    const sharded = () => new LeaseRepository(client, new Shards('t', 3));
    const id = (shard: number, n: number) => `${shard}.sign-in-number-${n}-xxxxxx`;

    it("keeps each shard's sign-ins under its own hash tag and claims them shard by shard", async () => {
      const repo = sharded();
      await Promise.all([0, 1, 2].flatMap((shard) => [1, 2].map((n) => repo.enqueue(id(shard, n), T + n))));
      expect(await client.zrange('{t-1}:polls:due', 0, -1)).toEqual([id(1, 1), id(1, 2)]);
      expect(await client.exists('{t}:polls:due')).toBe(0);

      expect((await repo.claim(1, 'a', T, T + 10, LEASE, 10)).map((c) => c.id)).toEqual([id(1, 1), id(1, 2)]);
      expect(await repo.unclaimed(T + 10_000, 5_000)).toEqual([2, 0, 2]);
      expect(await client.zrange('{t-1}:polls:owner:a', 0, -1)).toEqual([id(1, 1), id(1, 2)]);
      expect(await repo.pendingIds(100)).toHaveLength(6);
    });

    it('renews, hands back and drops each sign-in in its own shard, in one call for many', async () => {
      const repo = sharded();
      const ids = [id(0, 1), id(2, 1), id(2, 2)];
      for (const i of ids) await repo.enqueue(i, T);
      for (const shard of [0, 2]) await repo.claim(shard, 'a', T, T, LEASE, 10);
      expect(
        await repo.renewAll(
          'a',
          ids.map((i) => ({ id: i, until: T + 99_000 })),
        ),
      ).toEqual([true, true, true]);
      expect(await client.zscore('{t-2}:polls:owner:a', id(2, 2))).toBe(String(T + 99_000));
      await repo.drop(id(2, 1));
      expect(
        await repo.renewAll(
          'a',
          ids.map((i) => ({ id: i, until: T + 98_000 })),
        ),
      ).toEqual([true, false, true]);
      await repo.handoff('a', [
        { id: id(0, 1), dueAt: T + 5 },
        { id: id(2, 2), dueAt: T + 6 },
      ]);
      expect(await client.zrange('{t-0}:polls:due', 0, -1, 'WITHSCORES')).toEqual([id(0, 1), String(T + 5)]);
      expect(await client.zrange('{t-2}:polls:due', 0, -1, 'WITHSCORES')).toEqual([id(2, 2), String(T + 6)]);
      expect(await repo.pollerCount()).toBe(0);
    });
  });
});
