import type { RedisClient } from './redis-client';
import { MinuteCounts } from '../domain/trends';

/** A minute's counts outlive the charts' hour by as much again, then Redis drops them. */
const KEEP_MS = 2 * 3600 * 1000;

/**
 * Per-minute counters shared by every process (workers have no HTTP port): one hash per minute,
 * each process adding what it counted, so any API process reads the fleet's sum. Memory is
 * bounded by the keys' expiry: at most two hours of minutes, a few dozen fields each.
 */
export class TrendRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async add(minute: number, increments: MinuteCounts): Promise<void> {
    const entries = Object.entries(increments).filter(([, n]) => n !== 0);
    if (entries.length === 0) return;
    const key = this.key(minute);
    const tx = this.redis.multi();
    for (const [field, n] of entries) tx.hincrby(key, field, n);
    await tx.pexpire(key, KEEP_MS).exec();
  }

  /** The counts of each minute asked for, in order; an empty object for a minute nothing happened in. */
  async read(minutes: number[]): Promise<MinuteCounts[]> {
    const pipeline = this.redis.pipeline();
    for (const minute of minutes) pipeline.hgetall(this.key(minute));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value]) => {
      if (err) throw err;
      const counts: MinuteCounts = {};
      for (const [field, n] of Object.entries((value ?? {}) as Record<string, string>)) counts[field] = Number(n);
      return counts;
    });
  }

  private key(minute: number): string {
    return `${this.prefix}:trends:${minute}`;
  }
}
