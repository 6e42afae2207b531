import Redis from 'ioredis';
import { SessionRecord } from '../domain/session';

/** A session as stored: the public record plus its sealed (encrypted) secrets. */
export interface StoredSession {
  record: SessionRecord;
  rev: number;
  sealedDeviceCode: string | null;
  sealedTokens: string | null;
}

/** What a transition writes. `null` for a secret deletes it; `undefined` leaves it as it is. */
export interface SessionChange {
  record: SessionRecord;
  ttlMs: number;
  sealedTokens?: string | null;
  sealedDeviceCode?: string | null;
}

// Compare-and-set on `rev`: workers and API processes change the same session concurrently
// (a cancel while a poll is in flight), and only one of them may win.
// ARGV: rev, data, ttlMs, nowMs, id, then (field, value) pairs; an empty value deletes the field.
const UPDATE_SCRIPT = `
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return -1 end
if rev ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'rev', tostring(tonumber(rev) + 1), 'data', ARGV[2])
for i = 6, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i])
  else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], tonumber(ARGV[4]) + tonumber(ARGV[3]), ARGV[5])
return 1
`;

type RedisWithScripts = Redis & {
  sessionUpdate(key: string, index: string, ...args: string[]): Promise<number>;
};

/** Redis storage of sessions: one hash per session plus an index of live sessions for the fleet view. */
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

  async create(record: SessionRecord, sealedDeviceCode: string, ttlMs: number): Promise<void> {
    const key = this.key(record.id);
    await this.redis
      .multi()
      .hset(key, { rev: '1', data: JSON.stringify(record), device: sealedDeviceCode })
      .pexpire(key, ttlMs)
      .zadd(this.indexKey(), Date.now() + ttlMs, record.id)
      // Entries of sessions whose keys expired are dropped here, so the index cannot grow unbounded.
      .zremrangebyscore(this.indexKey(), '-inf', Date.now())
      .exec();
  }

  async get(id: string): Promise<StoredSession | null> {
    const [rev, data, device, tokens] = await this.redis.hmget(this.key(id), 'rev', 'data', 'device', 'tokens');
    if (rev === null || data === null) return null;
    return { record: JSON.parse(data) as SessionRecord, rev: Number(rev), sealedDeviceCode: device, sealedTokens: tokens };
  }

  /** Writes `change` only if nobody changed the session since `rev` was read. */
  async update(id: string, rev: number, change: SessionChange): Promise<'ok' | 'conflict' | 'missing'> {
    const secrets: string[] = [];
    if (change.sealedTokens !== undefined) secrets.push('tokens', change.sealedTokens ?? '');
    if (change.sealedDeviceCode !== undefined) secrets.push('device', change.sealedDeviceCode ?? '');
    const result = await this.redis.sessionUpdate(
      this.key(id),
      this.indexKey(),
      String(rev),
      JSON.stringify(change.record),
      String(Math.ceil(change.ttlMs)),
      String(Date.now()),
      id,
      ...secrets,
    );
    return result === 1 ? 'ok' : result === 0 ? 'conflict' : 'missing';
  }

  /** Ids of sessions whose keys have not yet expired, newest first. */
  async listLiveIds(limit: number): Promise<string[]> {
    const now = Date.now();
    await this.redis.zremrangebyscore(this.indexKey(), '-inf', now);
    return this.redis.zrevrangebyscore(this.indexKey(), '+inf', now, 'LIMIT', 0, limit);
  }

  async getMany(ids: string[]): Promise<SessionRecord[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.key(id), 'data');
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([err, data]) => (err || typeof data !== 'string' ? [] : [JSON.parse(data) as SessionRecord]));
  }

  private key(id: string): string {
    return `${this.prefix}:session:${id}`;
  }

  private indexKey(): string {
    return `${this.prefix}:sessions`;
  }
}
