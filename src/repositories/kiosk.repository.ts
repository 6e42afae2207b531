import type { RedisClient } from './redis-client';
import { KioskRecord } from '../domain/kiosk';
import { unavailable } from './rate-limit.repository';
import { ReplicationRepository } from './replication.repository';

/** What a kiosk's sign-in budget says about one more sign-in: how many its window holds with this one, and how long it still runs. */
export interface SlotSpend {
  used: number;
  windowLeftMs: number;
}

// A kiosk's slot is one string, `<sign-ins in the window>:<window's end, ms>:<pending sign-in>`:
// its one pending sign-in (the next one cancels it) and its budget of sign-ins a window. One key
// where there were two (a pointer and rate-limiter-flexible's window): a sign-in's start costs
// Redis ≈ 140 bytes less (bench/README.md, "December, nineteenth"). The window runs on Redis's
// clock, like a key's expiry, so API processes whose clocks differ share one window. A value
// without the two counts is a pointer as earlier versions wrote it: a sign-in and no window.
// The key lives while either part is needed: the pending sign-in's code, or the window.
const SLOT_PARSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = redis.call('GET', KEYS[1])
local used, ends, pending = 0, 0, ''
if cur then
  local u, e, p = string.match(cur, '^(%d+):(%d+):(.*)$')
  if u then used, ends, pending = tonumber(u), tonumber(e), p else pending = cur end
end
local function save(ttl)
  redis.call('SET', KEYS[1], string.format('%d:%.0f:%s', used, ends, pending), 'PX', math.max(ttl, ends - now, 1))
end
`;

// Spends one sign-in of the window, starting a new window when the last has ended. Returns the
// sign-ins in the window, this one included, and the ms it still runs. ARGV: window in ms.
const SLOT_SPEND_SCRIPT = `${SLOT_PARSE}
if ends <= now then used, ends = 0, now + tonumber(ARGV[1]) end
used = used + 1
save(redis.call('PTTL', KEYS[1]))
return {used, ends - now}
`;

// Makes ARGV[1] the pending sign-in and returns the one it replaces (false: none). ARGV: the
// sign-in, the ms it may stay pending.
const SLOT_SWAP_SCRIPT = `${SLOT_PARSE}
local previous = pending
pending = ARGV[1]
save(tonumber(ARGV[2]))
if previous == '' then return false end
return previous
`;

type RedisWithSlots = RedisClient & {
  kioskSlotSpend(key: string, windowMs: string): Promise<[number, number]>;
  kioskSlotSwap(key: string, sessionId: string, ttlMs: string): Promise<string | null>;
};

/**
 * Redis storage of kiosk identity: one-time enrollment tokens (by hash, with expiry), enrolled
 * kiosks (by id, holding only a hash of the credential's secret), each kiosk's pending sign-in and
 * the sessions it started (so revocation can end them).
 */
export class KioskRepository {
  private readonly redis: RedisWithSlots;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    /** With Sentinel: enrolments and revocations wait for a replica, so a failover cannot undo them. */
    private readonly replication: ReplicationRepository | null = null,
  ) {
    this.redis = redis as RedisWithSlots;
    if (!('kioskSlotSpend' in redis)) {
      redis.defineCommand('kioskSlotSpend', { numberOfKeys: 1, lua: SLOT_SPEND_SCRIPT });
      redis.defineCommand('kioskSlotSwap', { numberOfKeys: 1, lua: SLOT_SWAP_SCRIPT });
    }
  }

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

  /**
   * Spends one sign-in of the kiosk's budget (`slot`: `pendingSlot`'s), in a window of `windowMs`
   * that starts with the first sign-in after the last window ended. Fails fast (503) while Redis is
   * away, as the other limits do, rather than queueing a sign-in's start behind a dead connection.
   */
  async spendSlot(slot: string, windowMs: number): Promise<SlotSpend> {
    if (this.redis.status !== 'ready') throw unavailable(new Error(`Redis is ${this.redis.status}`));
    try {
      const [used, windowLeftMs] = await this.redis.kioskSlotSpend(this.slotKey(slot), String(windowMs));
      return { used, windowLeftMs };
    } catch (err) {
      throw unavailable(err);
    }
  }

  /**
   * Makes `sessionId` the kiosk's pending sign-in and returns the one it replaces, atomically. It
   * is the kiosk's for `ttlMs` (its code's life): a later sign-in finds it and cancels it.
   */
  async swapPending(slot: string, sessionId: string, ttlMs: number): Promise<string | null> {
    return this.redis.kioskSlotSwap(this.slotKey(slot), sessionId, String(Math.max(1, Math.ceil(ttlMs))));
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

  /** Named as when it held only the pending sign-in, so that an upgrade finds the one it must cancel. */
  private slotKey(slot: string): string {
    return `${this.prefix}:kiosk-pending:${slot}`;
  }

  private sessionsKey(kioskId: string): string {
    return `${this.prefix}:kiosk-sessions:${kioskId}`;
  }
}
