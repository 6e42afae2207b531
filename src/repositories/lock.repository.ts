import { randomBytes } from 'node:crypto';
import type { RedisClient } from './redis-client';

// Release only our own lock: another holder may have taken it after ours expired.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Short-lived mutual exclusion across processes (a single-instance Redis lock with expiry). */
export class LockRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Returns a release function, or `null` when someone else holds the lock. */
  async tryAcquire(name: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
    const key = `${this.prefix}:lock:${name}`;
    const owner = randomBytes(12).toString('base64url');
    const ok = await this.redis.set(key, owner, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') return null;
    return async () => {
      await this.redis.eval(RELEASE_SCRIPT, 1, key, owner);
    };
  }
}
