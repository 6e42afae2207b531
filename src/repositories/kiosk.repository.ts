import type { RedisClient } from './redis-client';
import { RedisScript } from './redis-script';
import { KioskRecord } from '../domain/kiosk';
import { unavailable } from './rate-limit.repository';
import { ReplicationRepository } from './replication.repository';

/** What a kiosk's slot said to a sign-in's start (`claimSlot`). */
export interface SlotClaim {
  /** Sign-ins in the kiosk's window, this one included. */
  used: number;
  windowLeftMs: number;
  /** Within the budget: the sign-in now holds the slot. */
  claimed: boolean;
  /** The pending sign-in it took the slot from (to cancel once the new one has started), if any. */
  replaced: string | null;
}

// A kiosk's slot is one string, `<sign-ins in the window>:<window's end, ms>:<pending sign-in>`:
// its one pending sign-in (the next one cancels it) and its budget of sign-ins a window. One key
// where there were two (a pointer and rate-limiter-flexible's window): a sign-in's start costs
// Redis ≈ 140 bytes less (bench/README.md, "December, nineteenth"), in as many commands as the two
// took: the first sign-in of a window is one `SET NX`, and the code's life one `PEXPIRE GT` sent
// with the session's own writes (`holdSlot`). A value without the counts is a pointer as earlier
// versions wrote it: a sign-in and no window.
//
// Spends one sign-in of the window (a new window once the last has ended) and, within the budget,
// makes the new sign-in the pending one. Returns {used, ms left in the window, the sign-in replaced
// or false}. ARGV: now (ms), window (ms), budget, the new sign-in.
const CLAIM_SCRIPT = `
local now, window, budget, id = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local function value(used, ends, pending) return string.format('%d:%.0f:%s', used, ends, pending) end
local fresh = value(1, now + window, budget >= 1 and id or '')
if redis.call('SET', KEYS[1], fresh, 'PX', window, 'NX') then return {1, window, false} end
-- The key exists: a script is atomic, and keys do not expire while it runs.
local cur = redis.call('GET', KEYS[1])
local used, ends, pending = 0, 0, cur
local u, e, p = string.match(cur, '^(%d+):(%d+):(.*)$')
if u then used, ends, pending = tonumber(u), tonumber(e), p end
if ends <= now then used, ends = 0, now + window end
used = used + 1
local replaced = false
if used <= budget then
  if pending ~= '' then replaced = pending end
  pending = id
end
redis.call('SET', KEYS[1], value(used, ends, pending), 'KEEPTTL')
redis.call('PEXPIRE', KEYS[1], math.max(ends - now, 1), 'GT')
return {used, ends - now, replaced}
`;

// A start that failed after its claim: the slot goes back to the sign-in it replaced, if the failed
// one still holds it. ARGV: the failed sign-in, the one it replaced ('' for none).
const RELEASE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local u, e, p = string.match(cur, '^(%d+):(%d+):(.*)$')
if not u or p ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], u .. ':' .. e .. ':' .. ARGV[2], 'KEEPTTL')
return 1
`;

const CLAIM = new RedisScript<[number, number, string | null]>(CLAIM_SCRIPT, 1);
const RELEASE = new RedisScript<number>(RELEASE_SCRIPT, 1);

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

  /**
   * A sign-in's start on a kiosk (`slot`: `pendingSlot`'s): spends one of the kiosk's `budget` of
   * sign-ins in a window of `windowMs` (from the first sign-in after the last window ended, on this
   * process's clock, as every process times polls) and, within it, makes `sessionId` the kiosk's
   * pending sign-in. Fails fast (503) while Redis is away, as the other limits do, rather than
   * queueing a sign-in's start behind a dead connection.
   */
  async claimSlot(slot: string, sessionId: string, budget: number, windowMs: number, now = Date.now()): Promise<SlotClaim> {
    if (this.redis.status !== 'ready') throw unavailable(new Error(`Redis is ${this.redis.status}`));
    try {
      const [used, windowLeftMs, replaced] = await CLAIM.run(
        this.redis,
        [this.slotKey(slot)],
        [String(now), String(windowMs), String(budget), sessionId],
      );
      return { used, windowLeftMs, claimed: used <= budget, replaced: replaced || null };
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Keeps the slot at least while its sign-in's code lives (`ttlMs`): a later sign-in finds it and cancels it. */
  async holdSlot(slot: string, ttlMs: number): Promise<void> {
    await this.redis.pexpire(this.slotKey(slot), Math.max(1, Math.ceil(ttlMs)), 'GT');
  }

  /** A start that failed after `claimSlot`: gives the slot back to the sign-in `sessionId` replaced. */
  async releaseSlot(slot: string, sessionId: string, replaced: string | null): Promise<void> {
    await RELEASE.run(this.redis, [this.slotKey(slot)], [sessionId, replaced ?? '']);
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
