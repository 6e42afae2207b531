import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client';

/**
 * One Lua script of the service, run by its SHA1 (`EVALSHA`), and sent whole (`EVAL`) when the
 * Redis that gets it does not know it yet: a new or restarted server, the primary after a
 * failover, each node of a Cluster once.
 *
 * ioredis's `defineCommand` does the same, but it also adds the script to the client, and every
 * pipeline ioredis builds copies each added script onto itself. With auto-pipelining that is every
 * write to Redis: with the service's scripts, ≈ 10 µs more CPU a write than with none (bench/README.md,
 * "December, twenty-seventh"). `EVALSHA` is a plain command, which every pipeline already has.
 */
export class RedisScript<T> {
  private readonly sha: string;

  constructor(
    private readonly lua: string,
    private readonly numberOfKeys: number,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly string[] = []): Promise<T> {
    if (keys.length !== this.numberOfKeys) {
      throw new Error(`this script takes ${this.numberOfKeys} keys, not ${keys.length}`);
    }
    try {
      return (await redis.evalsha(this.sha, this.numberOfKeys, ...keys, ...args)) as T;
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return (await redis.eval(this.lua, this.numberOfKeys, ...keys, ...args)) as T;
    }
  }
}

/** Redis's answer to an `EVALSHA` of a script it does not hold: `NOSCRIPT No matching script…`. */
function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
