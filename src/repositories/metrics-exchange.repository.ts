import type { RedisClient } from './redis-client';

/**
 * Processes share their metrics through Redis so that one scrape of `/metrics` on any API process
 * covers every process, workers included (workers have no HTTP port).
 */
export class MetricsExchangeRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async publish(processId: string, snapshot: string, ttlMs: number): Promise<void> {
    await this.redis.multi().set(this.key(processId), snapshot, 'PX', ttlMs).sadd(this.indexKey(), processId).exec();
  }

  /** Snapshots of every process that published recently, except `exceptId`. */
  async readOthers(exceptId: string): Promise<string[]> {
    const ids = (await this.redis.smembers(this.indexKey())).filter((id) => id !== exceptId);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.key(id)));
    const gone = ids.filter((_, i) => values[i] === null);
    if (gone.length > 0) await this.redis.srem(this.indexKey(), ...gone);
    return values.filter((v): v is string => v !== null);
  }

  async withdraw(processId: string): Promise<void> {
    await this.redis.multi().del(this.key(processId)).srem(this.indexKey(), processId).exec();
  }

  private key(processId: string): string {
    return `${this.prefix}:metrics:${processId}`;
  }

  private indexKey(): string {
    return `${this.prefix}:metrics-processes`;
  }
}
