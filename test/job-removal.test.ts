import { Job, Worker } from 'bullmq';
import Redis from 'ioredis';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Shards } from '../src/domain/shards';
import { CANCEL_BATCH_MAX, JobRepository, QUEUE_NAMES } from '../src/repositories/job.repository';
import { commandCalls } from './support/command-stats';
import { usePrivateRedis } from './support/private-redis';

/**
 * The removal of ended sign-ins' `device-poll` jobs (`JobRepository.cancelAll`) against real BullMQ:
 * what it leaves must be what BullMQ's own removal leaves, for a fraction of the commands.
 */
describe('JobRepository removing the jobs of ended sign-ins', () => {
  const redis = usePrivateRedis();
  let client: Redis;

  beforeAll(() => {
    client = redis.client;
  });

  /** Every key in Redis that names one of `ids`. */
  async function keysOf(ids: readonly string[]): Promise<string[]> {
    const all = await client.keys('*');
    return all.filter((key) => ids.some((id) => key.includes(id))).sort();
  }

  it('removes delayed jobs, keys and all, as BullMQ does, with four commands for the lot', async () => {
    const jobs = new JobRepository(client, new Shards('lot', 1));
    const { queue } = jobs.queues[0];
    try {
      const later = Date.now() + 600_000;
      const ids = Array.from({ length: 40 }, (_, n) => `ended-sign-in-${String(n).padStart(2, '0')}-xxxxxx`);
      for (const id of ids) await jobs.schedule(QUEUE_NAMES.poll, id, later);
      // The reference: what BullMQ's own removal leaves of a job like ours.
      await jobs.schedule(QUEUE_NAMES.poll, 'reference-sign-in-xxxxxxxx', later);
      await queue.remove('reference-sign-in-xxxxxxxx', { removeChildren: false });
      expect(await keysOf(['reference-sign-in-xxxxxxxx'])).toEqual([]);
      // A job's log is one of the keys a removal deletes.
      await queue.getJob(ids[0]).then((job) => job!.log('a line'));

      const ended = ids.slice(0, 30);
      await jobs.cancelAll(QUEUE_NAMES.poll, ['never-there-xxxxxxxxxxxx']); // loads the script
      const before = await commandCalls(client);
      await jobs.cancelAll(QUEUE_NAMES.poll, ended);
      const after = await commandCalls(client);

      expect(await keysOf(ended)).toEqual([]);
      for (const id of ended) expect(await queue.getJob(id)).toBeUndefined();
      const left = await queue.getJobs(['delayed'], 0, -1);
      expect(left.map((job) => job.id).sort()).toEqual(ids.slice(30));
      expect(await queue.getDelayedCount()).toBe(10);
      // The script, ZMSCORE, ZREM and DEL (besides the first INFO): not twelve per job.
      expect(after.total - before.total).toBe(1 + 4);
      expect(after.of('evalsha') - before.of('evalsha')).toBe(1);
    } finally {
      await jobs.onApplicationShutdown();
    }
  });

  it('removes more jobs than one script takes, in batches', async () => {
    const jobs = new JobRepository(client, new Shards('many', 1));
    try {
      const later = Date.now() + 600_000;
      const ids = Array.from({ length: CANCEL_BATCH_MAX * 2 + 1 }, (_, n) => `many-sign-in-${String(n).padStart(5, '0')}-xxxx`);
      await Promise.all(ids.map((id) => jobs.schedule(QUEUE_NAMES.poll, id, later)));
      expect(await jobs.pendingSignIns()).toBe(ids.length);
      await jobs.cancelAll(QUEUE_NAMES.poll, ids);
      expect(await jobs.pendingSignIns()).toBe(0);
      expect(await keysOf(ids)).toEqual([]);
    } finally {
      await jobs.onApplicationShutdown();
    }
  });

  it("leaves a job whose deadline came to BullMQ's removal, an active one to finish, a missing one alone", async () => {
    const shards = new Shards('due', 1);
    const jobs = new JobRepository(client, shards);
    const { queue } = jobs.queues[0];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const workerConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
    let started: (job: Job) => void = () => undefined;
    const running = new Promise<Job>((resolve) => (started = resolve));
    const worker = new Worker(
      QUEUE_NAMES.poll,
      async (job) => {
        started(job);
        await gate;
      },
      { connection: workerConnection, prefix: shards.tag(0), autorun: false },
    );
    try {
      // Due now: waiting for a worker, not delayed.
      await jobs.schedule(QUEUE_NAMES.poll, 'deadline-came-xxxxxxxxxx', Date.now() - 1);
      expect(await queue.getJobState('deadline-came-xxxxxxxxxx')).toBe('waiting');
      const removal = vi.spyOn(queue, 'remove');
      await jobs.cancelAll(QUEUE_NAMES.poll, ['deadline-came-xxxxxxxxxx', 'never-there-xxxxxxxxxxxx']);
      expect(await queue.getJob('deadline-came-xxxxxxxxxx')).toBeUndefined();
      expect(await keysOf(['deadline-came-xxxxxxxxxx'])).toEqual([]);
      // BullMQ's removal ran for the waiting job only: the missing one cost nothing more.
      expect(removal.mock.calls.map(([id]) => id)).toEqual(['deadline-came-xxxxxxxxxx']);

      // Active (its deadline step running): it stays, locked, and completes when its step ends.
      await jobs.schedule(QUEUE_NAMES.poll, 'deadline-running-xxxxxxx', Date.now() - 1);
      void worker.run();
      const job = await running;
      expect(job.id).toBe('deadline-running-xxxxxxx');
      await jobs.cancelAll(QUEUE_NAMES.poll, ['deadline-running-xxxxxxx']);
      expect(await queue.getJobState('deadline-running-xxxxxxx')).toBe('active');
      const completed = new Promise<void>((resolve) => worker.once('completed', () => resolve()));
      release();
      await completed;
      expect(await queue.getJobState('deadline-running-xxxxxxx')).toBe('completed');
    } finally {
      vi.restoreAllMocks();
      release();
      await worker.close();
      workerConnection.disconnect();
      await jobs.onApplicationShutdown();
    }
  });

  it("removes each shard's jobs in its own queue, one script per shard", async () => {
    const shards = new Shards('split', 2);
    const jobs = new JobRepository(client, shards);
    try {
      const later = Date.now() + 600_000;
      const ids = ['0.split-sign-in-a-xxxxxx', '1.split-sign-in-b-xxxxxx', '1.split-sign-in-c-xxxxxx'];
      for (const id of ids) await jobs.schedule(QUEUE_NAMES.poll, id, later);
      await jobs.cancelAll(QUEUE_NAMES.poll, ['0.never-there-xxxxxxxxxx', '1.never-there-xxxxxxxxxx']);
      const perShard = await jobs.counts(QUEUE_NAMES.poll);
      expect(perShard.map((c) => c.delayed)).toEqual([1, 2]);
      const before = await commandCalls(client);
      await jobs.cancelAll(QUEUE_NAMES.poll, ids);
      const after = await commandCalls(client);
      expect((await jobs.counts(QUEUE_NAMES.poll)).map((c) => c.delayed)).toEqual([0, 0]);
      expect(await keysOf(ids)).toEqual([]);
      expect(after.of('evalsha') - before.of('evalsha')).toBe(2);
    } finally {
      await jobs.onApplicationShutdown();
    }
  });
});
