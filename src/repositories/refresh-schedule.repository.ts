import { Shards } from '../domain/shards';
import type { RedisClient } from './redis-client';
import { RedisScript } from './redis-script';

/** A refresh a worker just took: its session, and when it is due. */
export interface ClaimedRefresh {
  id: string;
  at: number;
}

// Takes the refreshes due before ARGV[1] (at most ARGV[3]) and moves each one's time to ARGV[2],
// the claim's lease: no other worker takes it before then, and if this one dies it is due again
// then. Returns (id, due) pairs. KEYS: due. ARGV: horizon, lease until, limit.
const CLAIM_SCRIPT = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
if #due == 0 then return due end
local leases = {}
for i = 1, #due, 2 do
  leases[#leases + 1] = ARGV[2]
  leases[#leases + 1] = due[i]
end
redis.call('ZADD', KEYS[1], unpack(leases))
return due
`;

const CLAIM = new RedisScript<string[]>(CLAIM_SCRIPT, 1);

/**
 * When each signed-in session's tokens are next refreshed: one sorted set per shard (member: the
 * session, score: when), under the shard's hash tag. Scheduling a refresh is one `ZADD`, ending it
 * one `ZREM`; workers claim what is due in batches (`RefreshScheduler`). It replaced a BullMQ job
 * per signed-in session: ≈ 11 Redis commands and a worker's wake-up to add it, ≈ 13 to remove it,
 * ≈ 25 per refresh (bench/README.md, "December, eighth").
 */
export class RefreshScheduleRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly shards: Shards,
  ) {}

  /** Due at `at` (replacing any earlier time). */
  async schedule(id: string, at: number): Promise<void> {
    await this.redis.zadd(this.dueKey(this.shards.of(id)), Math.ceil(at), id);
  }

  /** Due at `at`, unless a refresh of that session is scheduled already. */
  async scheduleIfAbsent(id: string, at: number): Promise<void> {
    await this.redis.zadd(this.dueKey(this.shards.of(id)), 'NX', Math.ceil(at), id);
  }

  /**
   * Due next at `at`, if it is still scheduled: a session signed out while its refresh ran stays
   * out. Several at once go in one command per shard.
   */
  async reschedule(entries: ClaimedRefresh[]): Promise<void> {
    await Promise.all(
      [...this.shards.group(entries, (e) => e.id)].map(([shard, group]) =>
        this.redis.zadd(this.dueKey(shard), 'XX', ...group.flatMap((e) => [Math.ceil(e.at), e.id])),
      ),
    );
  }

  async cancel(id: string): Promise<void> {
    await this.redis.zrem(this.dueKey(this.shards.of(id)), id);
  }

  /** Claims refreshes of one shard due before `horizon`; none is claimed again before `leaseUntil`. */
  async claim(shard: number, horizon: number, leaseUntil: number, limit: number): Promise<ClaimedRefresh[]> {
    if (limit <= 0) return [];
    const flat = await CLAIM.run(
      this.redis,
      [this.dueKey(shard)],
      [String(Math.floor(horizon)), String(Math.ceil(leaseUntil)), String(limit)],
    );
    const claimed: ClaimedRefresh[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) claimed.push({ id: flat[i], at: Number(flat[i + 1]) });
    return claimed;
  }

  /**
   * Per shard (index = shard): refreshes scheduled, and those more than `lateMs` past due that no
   * worker has claimed (a claimed one is due again only when its claim runs out).
   */
  async counts(now: number, lateMs: number): Promise<Array<{ scheduled: number; overdue: number }>> {
    return Promise.all(
      this.shards.all.map(async (shard) => {
        const key = this.dueKey(shard);
        const [scheduled, overdue] = await Promise.all([this.redis.zcard(key), this.redis.zcount(key, '-inf', now - lateMs)]);
        return { scheduled, overdue };
      }),
    );
  }

  /** When a session's refresh is due (or held by a worker until), or null if none is scheduled. */
  async dueAt(id: string): Promise<number | null> {
    const score = await this.redis.zscore(this.dueKey(this.shards.of(id)), id);
    return score === null ? null : Number(score);
  }

  private dueKey(shard: number): string {
    return refreshDueKey(this.shards, shard);
  }
}

/**
 * A shard's refresh schedule, beside its sessions (one hash tag): the write that authorizes a
 * session schedules its first refresh in the same script (`SessionRepository.update`).
 */
export function refreshDueKey(shards: Shards, shard: number): string {
  return `${shards.tag(shard)}:refresh:due`;
}
