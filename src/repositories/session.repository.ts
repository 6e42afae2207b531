import Redis from 'ioredis';
import { SessionRecord } from '../domain/session';

/** A session as stored: the record plus its sealed (encrypted) secrets. */
export interface StoredSession {
  record: SessionRecord;
  rev: number;
  sealedDeviceCode: string | null;
  sealedTokens: string | null;
  /** The person's profile, sealed like the tokens; `record.profile` is never stored in the clear. */
  sealedProfile: string | null;
}

/** The value as it is written: everything but `rev`, which prefixes it. */
type StoredValue = Omit<StoredSession, 'rev'>;

// One string per session, `<rev>|<json>`: a whole-value compare-and-set is one GET and one SET, and
// the value is smaller than a hash of the same fields. Workers and API processes change the same
// session concurrently (a cancel while a token answer is on its way), and only one of them may win.
// KEYS: session, live index. ARGV: expected rev, json, ttlMs, index score ('' leaves it), id.
const UPDATE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
local rev = string.match(cur, '^(%d+)|')
if rev ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], (tonumber(rev) + 1) .. '|' .. ARGV[2], 'PX', ARGV[3])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5]) end
return 1
`;

type RedisWithScripts = Redis & {
  sessionUpdate(key: string, index: string, ...args: string[]): Promise<number>;
};

/** Redis storage of sessions, plus an index of live sessions (score: when the key expires) for the fleet view. */
export class SessionRepository {
  private readonly redis: RedisWithScripts;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    this.redis = redis as RedisWithScripts;
    if (!('sessionUpdate' in redis)) {
      redis.defineCommand('sessionUpdate', { numberOfKeys: 2, lua: UPDATE_SCRIPT });
    }
  }

  async create(value: StoredValue, ttlMs: number): Promise<void> {
    const now = Date.now();
    await Promise.all([
      this.redis.set(this.key(value.record.id), `1|${JSON.stringify(value)}`, 'PX', Math.ceil(ttlMs)),
      this.redis.zadd(this.indexKey(), now + ttlMs, value.record.id),
    ]);
  }

  async get(id: string): Promise<StoredSession | null> {
    return parse(await this.redis.get(this.key(id)));
  }

  /**
   * Writes `value` only if nobody changed the session since `rev` was read. `indexUntil` raises
   * the session's entry in the live index (pass it when the key will now live longer).
   */
  async update(
    id: string,
    rev: number,
    value: StoredValue,
    ttlMs: number,
    indexUntil: number | null,
  ): Promise<'ok' | 'conflict' | 'missing'> {
    const result = await this.redis.sessionUpdate(
      this.key(id),
      this.indexKey(),
      String(rev),
      JSON.stringify(value),
      String(Math.max(1, Math.ceil(ttlMs))),
      indexUntil === null ? '' : String(Math.ceil(indexUntil)),
      id,
    );
    return result === 1 ? 'ok' : result === 0 ? 'conflict' : 'missing';
  }

  /** Ids of sessions whose keys have not yet expired, newest expiry first. */
  async listLiveIds(limit: number): Promise<string[]> {
    const now = Date.now();
    // Entries of sessions whose keys expired are dropped here, so the index cannot grow unbounded.
    await this.redis.zremrangebyscore(this.indexKey(), '-inf', now);
    return this.redis.zrevrangebyscore(this.indexKey(), '+inf', now, 'LIMIT', 0, limit);
  }

  async getMany(ids: string[]): Promise<StoredSession[]> {
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.key(id)));
    return values.flatMap((value) => {
      const stored = parse(value);
      return stored ? [stored] : [];
    });
  }

  private key(id: string): string {
    return `${this.prefix}:session:${id}`;
  }

  private indexKey(): string {
    return `${this.prefix}:sessions`;
  }
}

function parse(value: string | null): StoredSession | null {
  if (value === null) return null;
  const bar = value.indexOf('|');
  const stored = JSON.parse(value.slice(bar + 1)) as StoredValue;
  return { ...stored, rev: Number(value.slice(0, bar)) };
}
