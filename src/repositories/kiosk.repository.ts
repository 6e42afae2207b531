import type { RedisClient } from './redis-client';
import { KioskRecord } from '../domain/kiosk';
import { ReplicationRepository } from './replication.repository';

/**
 * Redis storage of kiosk identity: one-time enrollment tokens (by hash, with expiry), enrolled
 * kiosks (by id, holding only a hash of the credential's secret), each kiosk's pending sign-in and
 * the sessions it started (so revocation can end them).
 */
export class KioskRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** With Sentinel: enrolments and revocations wait for a replica, so a failover cannot undo them. */
    private readonly replication: ReplicationRepository | null = null,
  ) {}

  async saveEnrollment(tokenHash: string, kioskId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.enrollmentKey(tokenHash), kioskId, 'PX', ttlMs);
  }

  /** Atomically reads and deletes: a link works once, even when two processes race for it. */
  takeEnrollment(tokenHash: string): Promise<string | null> {
    return this.redis.getdel(this.enrollmentKey(tokenHash));
  }

  async save(record: KioskRecord): Promise<void> {
    await this.durably(() => this.redis.hset(this.kiosksKey(), record.kioskId, JSON.stringify(record)));
  }

  async get(kioskId: string): Promise<KioskRecord | null> {
    const raw = await this.redis.hget(this.kiosksKey(), kioskId);
    return raw === null ? null : (JSON.parse(raw) as KioskRecord);
  }

  async list(): Promise<KioskRecord[]> {
    const all = await this.redis.hgetall(this.kiosksKey());
    return Object.values(all).map((raw) => JSON.parse(raw) as KioskRecord);
  }

  /** True when the kiosk was enrolled (and now is not). */
  async remove(kioskId: string): Promise<boolean> {
    return (await this.durably(() => this.redis.hdel(this.kiosksKey(), kioskId))) === 1;
  }

  /** A re-enrolment replaces the credential and a revocation withdraws it: neither may come undone. */
  private async durably<T>(write: () => Promise<T>): Promise<T> {
    const ticket = this.replication?.ticket();
    const result = await write();
    if (ticket !== undefined) await this.replication?.confirm(ticket);
    return result;
  }

  /** Makes `sessionId` the kiosk's pending sign-in and returns the one it replaces, atomically. */
  async swapPending(kioskKey: string, sessionId: string, ttlMs: number): Promise<string | null> {
    return (await this.redis.call('SET', this.pendingKey(kioskKey), sessionId, 'PX', String(Math.ceil(ttlMs)), 'GET')) as
      string | null;
  }

  /** Sessions a kiosk started, newest scored by start time; older than `keepMs` they are long dead. */
  async rememberSession(kioskId: string, sessionId: string, now: number, keepMs: number): Promise<void> {
    const key = this.sessionsKey(kioskId);
    await this.redis
      .multi()
      .zadd(key, now, sessionId)
      .zremrangebyscore(key, '-inf', now - keepMs)
      .pexpire(key, keepMs)
      .exec();
  }

  async forgetSession(kioskId: string, sessionId: string): Promise<void> {
    await this.redis.zrem(this.sessionsKey(kioskId), sessionId);
  }

  /** Every session the kiosk started that may still be live; forgets them. */
  async takeSessions(kioskId: string): Promise<string[]> {
    const key = this.sessionsKey(kioskId);
    const results = (await this.redis.multi().zrange(key, 0, -1).del(key).exec()) ?? [];
    const ids = results[0]?.[1];
    return Array.isArray(ids) ? (ids as string[]) : [];
  }

  private enrollmentKey(hash: string): string {
    return `${this.prefix}:enrollment:${hash}`;
  }

  private kiosksKey(): string {
    return `${this.prefix}:kiosks`;
  }

  private pendingKey(kioskKey: string): string {
    return `${this.prefix}:kiosk-pending:${kioskKey}`;
  }

  private sessionsKey(kioskId: string): string {
    return `${this.prefix}:kiosk-sessions:${kioskId}`;
  }
}
