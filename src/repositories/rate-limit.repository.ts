import type { RedisClient } from './redis-client';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ServiceUnavailableError } from '../domain/errors';

/** What a limit says about one more try: allowed or not, and when a refused caller may try again. */
export interface Verdict {
  allowed: boolean;
  retryAfterMs: number;
  /** Points used in the current window, this try included. */
  used: number;
}

/**
 * rate-limiter-flexible's increment script (`customIncrTtlLuaScript`: same arguments, same answer,
 * `{consumed, ms left}`), shorter on the first try of a window: the library's sets the key to 0 if
 * absent (`SET NX EX`), increments it and reads its TTL, four commands on every try. Here a
 * `SET NX EX` of the points themselves is the whole first try of a window (its TTL is the window);
 * a later try increments and reads the TTL (and, as the library's does, gives a key without one
 * the window). Two commands for the first try, four for a later one (bench/README.md, "December,
 * tenth"). The per-kiosk budget no longer uses it: it lives in the kiosk's slot
 * (`KioskRepository.claimSlot`). ARGV: points, window in s (both as the library passes them).
 */
const INCR_TTL_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then
  return {tonumber(ARGV[1]), 1000 * tonumber(ARGV[2])}
end
local consumed = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -1 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  ttl = 1000 * tonumber(ARGV[2])
end
return {consumed, ttl}
`;

/**
 * One counter over a fixed window, shared by every process through Redis (rate-limiter-flexible,
 * with an atomic INCR + TTL script), so two API processes cannot each grant the whole allowance.
 * `blockS` keeps a key refused for that long once it went over (brute-force lock-out).
 */
export class RedisWindow {
  private readonly limiter: RateLimiterRedis;

  constructor(redis: RedisClient, keyPrefix: string, points: number, windowS: number, blockS = 0) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points,
      duration: windowS,
      blockDuration: blockS,
      customIncrTtlLuaScript: INCR_TTL_SCRIPT,
      // Fail fast (503) while Redis is away instead of queueing behind a dead connection.
      rejectIfRedisNotReady: true,
    });
  }

  async consume(key: string): Promise<Verdict> {
    try {
      const res = await this.limiter.consume(key);
      return { allowed: true, retryAfterMs: 0, used: res.consumedPoints };
    } catch (err) {
      if (err instanceof RateLimiterRes) return { allowed: false, retryAfterMs: err.msBeforeNext, used: err.consumedPoints };
      throw unavailable(err);
    }
  }

  /** Without using a point: has `key` used up its window (or is it blocked)? */
  async peek(key: string): Promise<Verdict> {
    try {
      const res = await this.limiter.get(key);
      if (!res || res.consumedPoints < this.limiter.points)
        return { allowed: true, retryAfterMs: 0, used: res?.consumedPoints ?? 0 };
      return { allowed: false, retryAfterMs: res.msBeforeNext, used: res.consumedPoints };
    } catch (err) {
      throw unavailable(err);
    }
  }
}

/** The 503 a limit answers while Redis is away. */
export function unavailable(cause: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError('The service cannot reach its store; try again shortly', { cause });
}

/** Builds the service's windows under its Redis key prefix (one Cluster hash tag, like every key). */
export class RateLimitRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  window(name: string, points: number, windowS: number, blockS = 0): RedisWindow {
    return new RedisWindow(this.redis, `${this.prefix}:limit:${name}`, points, windowS, blockS);
  }
}
