import Redis, { type RedisOptions } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startRedis, type TestRedis } from './processes';

export interface PrivateRedis {
  /** The server's address, for what connects on its own (a BullMQ worker, a service process). */
  readonly url: string;
  /** A client of it, connected: repositories refuse (503) while their client is not ready. */
  readonly client: Redis;
  /** Another client, as another process would hold one; disconnected with the rest after the tests. */
  connect(options?: RedisOptions): Redis;
}

/**
 * A `redis-server` of the calling `describe` block's (or file's) own, with a client of it: started
 * before its tests, stopped after them. Call it before registering hooks that use it: `beforeAll`
 * hooks run in the order they are registered and `afterAll` hooks in reverse (vitest's `stack`
 * order), so a repository built on `client` in a later `beforeAll` is shut down before Redis stops.
 */
export function usePrivateRedis(): PrivateRedis {
  let server: TestRedis | null = null;
  let main: Redis | null = null;
  const clients: Redis[] = [];
  const notYet = () => new Error('the private Redis starts in beforeAll: use it inside a hook or a test');
  const started = (): TestRedis => {
    if (!server) throw notYet();
    return server;
  };
  const connect = (options: RedisOptions = {}): Redis => {
    const client = new Redis(started().url, options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startRedis();
    main = connect();
    await main.ping();
  });

  afterAll(() => {
    for (const client of clients) client.disconnect();
    server?.stop();
  });

  return {
    get url() {
      return started().url;
    },
    get client() {
      if (!main) throw notYet();
      return main;
    },
    connect,
  };
}
