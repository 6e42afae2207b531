import Redis from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startRedis, type TestRedis } from './processes';

export interface PrivateRedis {
  /** The server's address, for other clients (another process's, a BullMQ worker's). */
  readonly url: string;
  /** A client of it, connected: repositories refuse (503) while their client is not ready. */
  readonly client: Redis;
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
  const notYet = () => new Error('the private Redis starts in beforeAll: use it inside a hook or a test');

  beforeAll(async () => {
    server = await startRedis();
    main = new Redis(server.url);
    await main.ping();
  });

  afterAll(() => {
    main?.disconnect();
    server?.stop();
  });

  return {
    get url() {
      if (!server) throw notYet();
      return server.url;
    },
    get client() {
      if (!main) throw notYet();
      return main;
    },
  };
}
