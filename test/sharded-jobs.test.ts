import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Shards } from '../src/domain/shards';
import { JobRepository, QUEUE_NAMES } from '../src/repositories/job.repository';
import { commandCalls } from './support/command-stats';
import { usePrivateRedis } from './support/private-redis';

/** BullMQ queues per shard on one Redis: where jobs land, and the fleet-wide count of pending sign-ins. */
describe('JobRepository over several shards', () => {
  const redis = usePrivateRedis();
  let client: Redis;
  let jobs: JobRepository;
  const shards = new Shards('j', 3);
  const id = (shard: number, n: number) => `${shard}.pending-sign-in-${n}-xxxxxxxx`;

  beforeAll(() => {
    client = redis.client;
    jobs = new JobRepository(client, shards);
  });

  afterAll(async () => {
    await jobs?.onApplicationShutdown();
  });

  it("keeps each shard's jobs in its own queues, under its hash tag, and counts them all", async () => {
    const later = Date.now() + 60_000;
    for (const [shard, n] of [
      [0, 1],
      [2, 1],
      [2, 2],
    ]) {
      await jobs.schedule(QUEUE_NAMES.poll, id(shard, n), later);
    }
    expect(await client.zcard('{j-2}:device-poll:delayed')).toBe(2);
    expect(await client.zcard('{j-0}:device-poll:delayed')).toBe(1);
    expect(await client.exists('{j-1}:device-poll:delayed')).toBe(0);
    expect(jobs.queues.map(({ shard, queue }) => `${shard}:${queue.name}`)).toEqual([
      '0:device-poll',
      '1:device-poll',
      '2:device-poll',
    ]);
    const counts = await jobs.counts(QUEUE_NAMES.poll);
    expect(counts.map((c) => c.delayed)).toEqual([1, 0, 2]);
    expect(await jobs.pendingSignIns()).toBe(3);

    // Within the second the count is reused, plus what this process started since; a removal is
    // seen at the next count.
    await jobs.schedule(QUEUE_NAMES.poll, id(1, 1), later);
    expect(await jobs.pendingSignIns()).toBe(4);
    await jobs.cancel(QUEUE_NAMES.poll, id(2, 1));
    await expect.poll(() => jobs.pendingSignIns(), { timeout: 3_000, interval: 200 }).toBe(3);
  });

  it("counts one shard's pending sign-ins as BullMQ does, with a single command", async () => {
    const single = new JobRepository(client, new Shards('one', 1));
    try {
      const later = Date.now() + 60_000;
      for (const n of [1, 2, 3]) await single.schedule(QUEUE_NAMES.poll, `pending-sign-in-${n}-xxxxxxxx`, later);
      const bullmq = await single.queues[0].queue.getDelayedCount();
      const before = await commandCalls(client);
      const pending = await single.pendingSignIns();
      const after = await commandCalls(client);
      expect(bullmq).toBe(3);
      expect(pending).toBe(bullmq);
      // A sign-in's start asks this every time: one ZCARD (besides the first INFO), no script.
      expect(after.total - before.total).toBe(1 + 1);
      expect(after.of('zcard') - before.of('zcard')).toBe(1);
      expect(after.of('evalsha') - before.of('evalsha')).toBe(0);
    } finally {
      await single.onApplicationShutdown();
    }
  });

  it('counts on the connection it is given for counting, not on the queues’ own', async () => {
    const counter = new Redis(redis.url);
    const counted = new JobRepository(client, new Shards('counted', 2), counter);
    try {
      const later = Date.now() + 60_000;
      await counted.schedule(QUEUE_NAMES.poll, '1.pending-sign-in-1-xxxxxxxx', later);
      const onQueues = vi.spyOn(client, 'zcard');
      const onCounter = vi.spyOn(counter, 'zcard');
      // A sign-in's admission sends this with its other reads: one write on the (auto-pipelined)
      // commands connection, no round trip of its own on the queues' connection.
      expect(await counted.pendingSignIns()).toBe(1);
      expect(onCounter.mock.calls.map(([key]) => key)).toEqual([
        '{counted-0}:device-poll:delayed',
        '{counted-1}:device-poll:delayed',
      ]);
      expect(onQueues).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
      await counted.onApplicationShutdown();
      counter.disconnect();
    }
  });
});
