import { Shards } from '../domain/shards';
import type { RedisClient } from './redis-client';
import { RedisScript } from './redis-script';

/**
 * A sign-in a poller just took: new (its first poll is due at `at`), or taken over from a poller
 * that went quiet (`at` is when that poller's lease ran out: it started no poll after that).
 */
export interface Claimed {
  id: string;
  at: number;
  takenOver: boolean;
}

// Takes sign-ins due before ARGV[2] from the due set, then the ones whose lease in another poller's set
// ran out (that poller died or stalled), into this poller's set. A poller found with an empty set is
// dropped from the registry; it re-registers in the same script that gives it its next sign-in, so a
// non-empty set is always registered (cancels reach every registered set).
// KEYS: due, pollers, mine. ARGV: now, horizon, leaseMs, limit, me, owner key prefix.
const CLAIM_SCRIPT = `
local now, lease, room = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {}
local function take(ids, leases, flag, dues)
  redis.call('ZADD', KEYS[3], unpack(leases))
  redis.call('SADD', KEYS[2], ARGV[5])
  for i, id in ipairs(ids) do
    out[#out + 1] = id
    out[#out + 1] = dues[i]
    out[#out + 1] = flag
  end
  room = room - #ids
end
local due = {}
if room > 0 then due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'WITHSCORES', 'LIMIT', 0, room) end
if #due > 0 then
  local ids, leases, dues = {}, {}, {}
  for i = 1, #due, 2 do
    ids[#ids + 1] = due[i]
    dues[#dues + 1] = due[i + 1]
    leases[#leases + 1] = tonumber(due[i + 1]) + lease
    leases[#leases + 1] = due[i]
  end
  redis.call('ZREM', KEYS[1], unpack(ids))
  take(ids, leases, '0', dues)
end
for _, poller in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if poller ~= ARGV[5] then
    local key = ARGV[6] .. poller
    if room > 0 then
      local expired = redis.call('ZRANGEBYSCORE', key, '-inf', now, 'WITHSCORES', 'LIMIT', 0, room)
      if #expired > 0 then
        local ids, leases, dues = {}, {}, {}
        for i = 1, #expired, 2 do
          ids[#ids + 1] = expired[i]
          leases[#leases + 1] = now + lease
          leases[#leases + 1] = expired[i]
          dues[#dues + 1] = expired[i + 1]
        end
        redis.call('ZREM', key, unpack(ids))
        take(ids, leases, '1', dues)
      end
    end
    if redis.call('ZCARD', key) == 0 then redis.call('SREM', KEYS[2], poller) end
  end
end
return out
`;

// Forgets a sign-in wherever it is: not yet claimed, or held by any poller. KEYS: due, pollers. ARGV: id, owner key prefix.
const DROP_SCRIPT = `
redis.call('ZREM', KEYS[1], ARGV[1])
for _, poller in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('ZREM', ARGV[2] .. poller, ARGV[1]) end
return 1
`;

// A poller that stops gives its sign-ins back as due at their next poll time, so another poller can
// go on without the wait a takeover needs. KEYS: due, pollers, mine. ARGV: me, then (dueAt, id) pairs.
const HANDOFF_SCRIPT = `
for i = 2, #ARGV, 2 do
  if redis.call('ZREM', KEYS[3], ARGV[i + 1]) == 1 then redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
if redis.call('ZCARD', KEYS[3]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return 1
`;

// Up to ARGV[1] sign-ins of one shard, unclaimed and held, read at one instant: read apart, a sign-in
// a poller claims between the registry's read and its set's is in neither. KEYS: due, pollers.
// ARGV: limit, owner key prefix.
const PENDING_SCRIPT = `
local limit = tonumber(ARGV[1])
local out = redis.call('ZRANGE', KEYS[1], 0, limit - 1)
for _, poller in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if #out >= limit then break end
  for _, id in ipairs(redis.call('ZRANGE', ARGV[2] .. poller, 0, limit - #out - 1)) do out[#out + 1] = id end
end
return out
`;

const CLAIM = new RedisScript<string[]>(CLAIM_SCRIPT, 3);
const DROP = new RedisScript<number>(DROP_SCRIPT, 2);
const HANDOFF = new RedisScript<number>(HANDOFF_SCRIPT, 3);
const PENDING = new RedisScript<string[]>(PENDING_SCRIPT, 2);

/**
 * Who polls which sign-in. A new sign-in waits in the due set; a poller claims it shortly before its
 * first poll and from then on holds a lease on it in its own set, renewed by the one write it makes
 * per answer (`renew`). A poller that dies stops renewing, and once the lease has run out another
 * poller takes the sign-in over. Per-poller sets make a late write from a poller that lost a lease a
 * no-op (`ZADD XX` on a set the sign-in has left), so two pollers never hold the same sign-in.
 *
 * Each shard (`Shards`) has its own due set, pollers' registry and pollers' sets, under its hash
 * tag: every script and pipeline here touches one shard, so on a Redis Cluster it runs where that
 * shard's slot lives.
 */
export class LeaseRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly shards: Shards,
  ) {}

  /** A new sign-in, to be claimed by some poller before `dueAt`. */
  async enqueue(id: string, dueAt: number): Promise<void> {
    await this.redis.zadd(this.dueKey(this.shards.of(id)), Math.ceil(dueAt), id);
  }

  /** Claims due and abandoned sign-ins of one shard. */
  async claim(shard: number, me: string, now: number, horizon: number, leaseMs: number, limit: number): Promise<Claimed[]> {
    const flat = await CLAIM.run(
      this.redis,
      [this.dueKey(shard), this.pollersKey(shard), this.ownerKey(shard, me)],
      [String(now), String(horizon), String(leaseMs), String(limit), me, this.ownerPrefix(shard)],
    );
    const claimed: Claimed[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) {
      claimed.push({ id: flat[i], at: Number(flat[i + 1]), takenOver: flat[i + 2] === '1' });
    }
    return claimed;
  }

  /** Extends this poller's lease to `until`; false when the sign-in is no longer this poller's. */
  async renew(me: string, id: string, until: number): Promise<boolean> {
    return (await this.renewAll(me, [{ id, until }]))[0];
  }

  /**
   * `renew` for many sign-ins: one `ZADD XX CH` per shard for all of them. Its count of changed
   * members tells whether every one is still this poller's; only when it falls short (a lease lost
   * to a takeover, or renewed to the very same millisecond before) does one `ZMSCORE` say which.
   */
  async renewAll(me: string, leases: Array<{ id: string; until: number }>): Promise<boolean[]> {
    const held = new Map<{ id: string; until: number }, boolean>();
    await Promise.all(
      [...this.shards.group(leases, (l) => l.id)].map(async ([shard, group]) => {
        const key = this.ownerKey(shard, me);
        const changed = await this.redis.zadd(key, 'XX', 'CH', ...group.flatMap((l) => [Math.ceil(l.until), l.id]));
        if (changed === group.length) {
          for (const l of group) held.set(l, true);
          return;
        }
        const scores = await this.redis.zmscore(key, ...group.map((l) => l.id));
        group.forEach((l, i) => held.set(l, scores[i] !== null));
      }),
    );
    return leases.map((l) => held.get(l) ?? false);
  }

  /** Extends many leases in one command per shard (a global pause), without telling which ones are still held. */
  async renewMany(me: string, leases: Array<{ id: string; until: number }>): Promise<void> {
    await Promise.all(
      [...this.shards.group(leases, (l) => l.id)].map(([shard, group]) =>
        this.redis.zadd(this.ownerKey(shard, me), 'XX', ...group.flatMap((l) => [Math.ceil(l.until), l.id])),
      ),
    );
  }

  async release(me: string, id: string): Promise<void> {
    await this.releaseAll(me, [id]);
  }

  /** Lets go of many sign-ins (ended ones) in one command per shard. */
  async releaseAll(me: string, ids: readonly string[]): Promise<void> {
    await Promise.all(
      [...this.shards.group(ids, (id) => id)].map(([shard, group]) => this.redis.zrem(this.ownerKey(shard, me), ...group)),
    );
  }

  async drop(id: string): Promise<void> {
    const shard = this.shards.of(id);
    await DROP.run(this.redis, [this.dueKey(shard), this.pollersKey(shard)], [id, this.ownerPrefix(shard)]);
  }

  async handoff(me: string, sessions: Array<{ id: string; dueAt: number }>): Promise<void> {
    await Promise.all(
      [...this.shards.group(sessions, (s) => s.id)].map(([shard, group]) =>
        HANDOFF.run(
          this.redis,
          [this.dueKey(shard), this.pollersKey(shard), this.ownerKey(shard, me)],
          [me, ...group.flatMap((s) => [String(Math.ceil(s.dueAt)), s.id])],
        ),
      ),
    );
  }

  /** Ids of sign-ins being polled or waiting for a poller (at most `limit`): the pending ones. */
  async pendingIds(limit: number): Promise<string[]> {
    const ids = new Set<string>();
    for (const shard of this.shards.all) {
      if (ids.size >= limit) break;
      const listed = await PENDING.run(
        this.redis,
        [this.dueKey(shard), this.pollersKey(shard)],
        [String(limit - ids.size), this.ownerPrefix(shard)],
      );
      for (const id of listed) ids.add(id);
    }
    return [...ids];
  }

  /** Pollers registered now (holding sign-ins, or having claimed one recently), on any shard. */
  async pollerCount(): Promise<number> {
    const perShard = await Promise.all(this.shards.all.map((shard) => this.redis.smembers(this.pollersKey(shard))));
    return new Set(perShard.flat()).size;
  }

  /** Per shard: sign-ins no poller has claimed although their first poll is more than `lateMs` overdue. */
  async unclaimed(now: number, lateMs: number): Promise<number[]> {
    return Promise.all(this.shards.all.map((shard) => this.redis.zcount(this.dueKey(shard), '-inf', now - lateMs)));
  }

  private dueKey(shard: number): string {
    return `${this.shards.tag(shard)}:polls:due`;
  }

  private pollersKey(shard: number): string {
    return `${this.shards.tag(shard)}:polls:pollers`;
  }

  private ownerPrefix(shard: number): string {
    return `${this.shards.tag(shard)}:polls:owner:`;
  }

  private ownerKey(shard: number, poller: string): string {
    return `${this.ownerPrefix(shard)}${poller}`;
  }
}
