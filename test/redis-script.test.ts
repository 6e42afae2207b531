import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Shards } from '../src/domain/shards';
import { ControlRepository } from '../src/repositories/control.repository';
import { KioskRepository } from '../src/repositories/kiosk.repository';
import { LeaseRepository } from '../src/repositories/lease.repository';
import { RedisScript } from '../src/repositories/redis-script';
import { RefreshScheduleRepository } from '../src/repositories/refresh-schedule.repository';
import { SessionRepository } from '../src/repositories/session.repository';
import { SocketLeaseRepository } from '../src/repositories/socket-lease.repository';
import { UpstreamRepository } from '../src/repositories/upstream.repository';
import { commandCalls } from './support/command-stats';
import { usePrivateRedis } from './support/private-redis';

const ADD = `return redis.call('INCRBY', KEYS[1], ARGV[1])`;

/** The service's Lua scripts against a real Redis (`RedisScript`): by SHA1, and whole once Redis does not know them. */
describe('a Redis script', () => {
  const redis = usePrivateRedis();
  let client: Redis;

  beforeAll(() => {
    client = new Redis(redis.url, { enableAutoPipelining: true });
  });

  // Registered after the private Redis's own hooks, so it runs before that server stops.
  afterAll(() => client?.disconnect());

  it('is sent whole to a Redis that does not know it, and by its SHA1 from then on', async () => {
    const add = new RedisScript<number>(ADD, 1);
    await client.script('FLUSH');
    const before = await commandCalls(redis.client);
    expect(await add.run(client, ['counter:a'], ['2'])).toBe(2);
    expect(await add.run(client, ['counter:a'], ['3'])).toBe(5);
    const after = await commandCalls(redis.client);
    expect(after.of('eval') - before.of('eval')).toBe(1);
    expect(after.of('evalsha') - before.of('evalsha')).toBe(2); // the first, refused; the second, run
    expect(await client.get('counter:a')).toBe('5');
  });

  it('is sent whole again once Redis has forgotten it (a restart, a failover), and runs once each time', async () => {
    const add = new RedisScript<number>(ADD, 1);
    expect(await add.run(client, ['counter:b'], ['1'])).toBe(1);
    await client.script('FLUSH');
    expect(await add.run(client, ['counter:b'], ['1'])).toBe(2);
    expect(await client.get('counter:b')).toBe('2');
  });

  it("reports the script's own error as it is, without running it again", async () => {
    const failing = new RedisScript<number>(`redis.call('INCR', KEYS[1]); return redis.call('NOSUCHCOMMAND')`, 1);
    await expect(failing.run(client, ['counter:c'])).rejects.toThrow(/Unknown Redis command|unknown command/i);
    // Sent whole once (unknown to Redis), and not again: the increment before the error ran once.
    expect(await client.get('counter:c')).toBe('1');
  });

  it('refuses a call with the wrong number of keys before sending anything', async () => {
    const add = new RedisScript<number>(ADD, 1);
    const before = await commandCalls(redis.client);
    await expect(add.run(client, ['a', 'b'], ['1'])).rejects.toThrow('this script takes 1 keys, not 2');
    const after = await commandCalls(redis.client);
    expect(after.of('evalsha') + after.of('eval')).toBe(before.of('evalsha') + before.of('eval'));
  });

  it("adds nothing to the client: the repositories' scripts leave the pipelines of every auto-pipelined write small", async () => {
    const shards = new Shards('t', 1);
    new SessionRepository(client, shards);
    new LeaseRepository(client, shards);
    new KioskRepository(client, '{t}');
    new ControlRepository(client, '{t}');
    new UpstreamRepository(client, '{t}');
    new RefreshScheduleRepository(client, shards);
    new SocketLeaseRepository(client, '{t}');
    await new RedisScript<number>(ADD, 1).run(client, ['counter:d'], ['1']);
    // What ioredis copies onto each pipeline it builds, one for every write: the scripts of `defineCommand`.
    expect(Object.keys(client.scriptsSet)).toEqual([]);
  });
});
