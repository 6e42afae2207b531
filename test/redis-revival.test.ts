import type { RedisClient } from '../src/repositories/redis-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.loader';
import { RedisFactory } from '../src/repositories/redis.factory';
import { redisTarget } from '../src/repositories/redis-target';
import { MASTER_NAME, SentinelTopology, startSentinelTopology } from './support/sentinel';

/**
 * ioredis ends a client for good when it is told to disconnect while it asks a sentinel for the
 * master; its failover detector does exactly that when +switch-master arrives during a reconnect,
 * which is when a failover's message arrives. Found by the acceptance test (a worker's command
 * connection and control subscriber ended); here the same call is made at that very moment.
 */
describe('a Redis client ioredis gave up on during a sentinel lookup', () => {
  let topology: SentinelTopology;
  let factory: RedisFactory;

  beforeAll(async () => {
    topology = await startSentinelTopology();
    const config = loadConfig({ REDIS_SENTINELS: topology.sentinelList, REDIS_SENTINEL_NAME: MASTER_NAME });
    factory = new RedisFactory(redisTarget(config.redis, null));
  });

  afterAll(async () => {
    await factory?.closeAll();
    await topology?.stop();
  });

  /** Drops the connection, then disconnects again while the client is asking a sentinel: it ends. */
  async function endDuringLookup(client: RedisClient): Promise<void> {
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    client.once('connecting', () => client.disconnect(true));
    client.disconnect(true);
    await ended;
  }

  it('connects a command client again', async () => {
    const client = factory.command('revive-commands');
    expect(await client.ping()).toBe('PONG');
    await endDuringLookup(client);
    await expect.poll(() => client.status, { timeout: 10_000 }).toBe('ready');
    expect(await client.ping()).toBe('PONG');
  });

  it('connects a subscriber again, subscribed as before', async () => {
    const subscriber = factory.blocking('revive-subscriber');
    const received: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => received.push(message));
    await subscriber.subscribe('news');
    await endDuringLookup(subscriber);
    await expect.poll(() => subscriber.status, { timeout: 10_000 }).toBe('ready');
    const publisher = factory.command('revive-publisher');
    await expect
      .poll(
        async () => {
          await publisher.publish('news', 'after');
          return received;
        },
        { timeout: 10_000 },
      )
      .toContain('after');
  });
});
