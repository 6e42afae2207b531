import type Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisFactory } from './redis.factory';

describe('RedisFactory.command', () => {
  // Never connects: the options are what is checked.
  const factory = new RedisFactory({
    url: 'redis://127.0.0.1:1',
    options: { lazyConnect: true },
    sentinel: false,
    cluster: null,
  });
  afterEach(() => factory.closeAll());

  it('auto-pipelines by default: the commands of one tick go out in one write', () => {
    expect((factory.command('commands') as Redis).options.enableAutoPipelining).toBe(true);
  });

  it('leaves auto-pipelining off when asked (BullMQ’s queues: each of its calls would copy its ~50 scripts)', () => {
    const client = factory.command('queues', { autoPipelining: false }) as Redis;
    expect(client.options.enableAutoPipelining).toBe(false);
    expect(client.options.maxRetriesPerRequest).toBe(2);
  });
});
