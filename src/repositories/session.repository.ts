import type { RedisClient } from './redis-client';
import { RedisScript } from './redis-script';
import { PollState } from '../device-flow/poll-rules';
import { SessionRecord, WEBEX } from '../domain/session';
import { Shards } from '../domain/shards';
import { refreshDueKey } from './refresh-schedule.repository';
import { ReplicationRepository } from './replication.repository';

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

/**
 * The stored JSON: no null field, no id (the key has it) and no backoff count (a poller keeps it in
 * memory), short field names, and what is implied left out (the first status and stage, an
 * `updatedAt` or `lastPollAt` equal to `createdAt`, the part of `verificationUriComplete` that
 * repeats `verificationUri`): a pending sign-in's value stays small (issue #10: Redis bytes per
 * pending sign-in). `r` is the earlier encoding (full names), still read.
 */
interface Encoded {
  c?: Record<string, unknown>;
  r?: Record<string, unknown>;
  d?: string;
  t?: string;
  p?: string;
}

const NULLABLE: ReadonlyArray<keyof SessionRecord> = [
  'kioskId',
  'profile',
  'error',
  'grantedAt',
  'accessIssuedAt',
  'accessExpiresAt',
  'refreshExpiresAt',
];

// One string per session, `<rev>|<json>`: a whole-value compare-and-set is one GET and one SET, and
// the value is smaller than a hash of the same fields. Workers and API processes change the same
// session concurrently (a cancel while a token answer is on its way), and only one of them may win.
// The change that authorizes a session also schedules its first token refresh, so that no session
// is ever authorized without one, and the two cost one round trip.
// KEYS: session, live index, refresh schedule. ARGV: expected rev, json, ttlMs, index score ('' leaves
// it), id, refresh due at ('' leaves it).
const UPDATE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
local rev = string.match(cur, '^(%d+)|')
if rev ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], (tonumber(rev) + 1) .. '|' .. ARGV[2], 'PX', ARGV[3])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5]) end
if ARGV[6] ~= '' then redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5]) end
return 1
`;

const UPDATE = new RedisScript<number>(UPDATE_SCRIPT, 3);

/**
 * Redis storage of sessions, plus an index (score: when the key expires) of the sessions that are
 * no longer pending, for the fleet view. Pending ones are listed from the pollers' sets instead
 * (`LeaseRepository.pendingIds`): an index entry per sign-in in progress would cost as much Redis
 * memory as a sixth of the sign-in itself. Each shard has its own index, beside its sessions.
 */
export class SessionRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly shards: Shards,
    /** With Sentinel: `WAIT` for replicas after the writes that must survive a failover. */
    private readonly replication: ReplicationRepository | null = null,
  ) {}

  async create(value: StoredValue, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(value.record.id), `1|${encodeSession(value)}`, 'PX', Math.ceil(ttlMs));
  }

  async get(id: string): Promise<StoredSession | null> {
    // An id naming no shard of this deployment is no session (not a key to build).
    if (!this.shards.owns(id)) return null;
    return parseSession(id, await this.redis.get(this.key(id)));
  }

  /**
   * Writes `value` only if nobody changed the session since `rev` was read. `indexUntil` sets the
   * session's entry in the index (pass it when it leaves pending, and when its key lives longer).
   * `durable`: a change a failover must not undo, confirmed by replicas when so configured.
   * `refreshAt`: schedules the session's next token refresh (`RefreshScheduleRepository`) with the
   * change, in the same atomic write.
   */
  async update(
    id: string,
    rev: number,
    value: StoredValue,
    ttlMs: number,
    indexUntil: number | null,
    durable = false,
    refreshAt: number | null = null,
  ): Promise<'ok' | 'conflict' | 'missing'> {
    if (!this.shards.owns(id)) return 'missing';
    const ticket = durable ? this.replication?.ticket() : undefined;
    const shard = this.shards.of(id);
    const result = await UPDATE.run(
      this.redis,
      [this.key(id), this.indexKey(shard), refreshDueKey(this.shards, shard)],
      [
        String(rev),
        encodeSession(value),
        String(Math.max(1, Math.ceil(ttlMs))),
        indexUntil === null ? '' : String(Math.ceil(indexUntil)),
        id,
        refreshAt === null ? '' : String(Math.ceil(refreshAt)),
      ],
    );
    if (result === 1 && ticket !== undefined) await this.replication?.confirm(ticket);
    return result === 1 ? 'ok' : result === 0 ? 'conflict' : 'missing';
  }

  /** Ids of sessions past pending whose keys have not yet expired, newest expiry first. */
  async listLiveIds(limit: number): Promise<string[]> {
    const now = Date.now();
    const perShard = await Promise.all(
      this.shards.all.map(async (shard) => {
        const key = this.indexKey(shard);
        // Entries of sessions whose keys expired are dropped here, so the index cannot grow unbounded.
        await this.redis.zremrangebyscore(key, '-inf', now);
        return this.redis.zrevrangebyscore(key, '+inf', now, 'WITHSCORES', 'LIMIT', 0, limit);
      }),
    );
    if (perShard.length === 1) return perShard[0].filter((_, i) => i % 2 === 0);
    const entries: Array<{ id: string; until: number }> = [];
    for (const flat of perShard)
      for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ id: flat[i], until: Number(flat[i + 1]) });
    return entries
      .sort((a, b) => b.until - a.until)
      .slice(0, limit)
      .map((e) => e.id);
  }

  async getMany(ids: string[]): Promise<StoredSession[]> {
    if (ids.length === 0) return [];
    // One MGET per shard: on a Cluster a multi-key command stays within one slot.
    const found = new Map<string, StoredSession>();
    await Promise.all(
      [
        ...this.shards.group(
          ids.filter((id) => this.shards.owns(id)),
          (id) => id,
        ),
      ].map(async ([, group]) => {
        const values = await this.redis.mget(group.map((id) => this.key(id)));
        values.forEach((value, i) => {
          const stored = parseSession(group[i], value);
          if (stored) found.set(group[i], stored);
        });
      }),
    );
    return ids.flatMap((id) => {
      const stored = found.get(id);
      return stored ? [stored] : [];
    });
  }

  private key(id: string): string {
    return `${this.shards.tagOf(id)}:session:${id}`;
  }

  private indexKey(shard: number): string {
    return `${this.shards.tag(shard)}:sessions`;
  }
}

/** Stored names of the record's fields; a field not listed keeps its own name. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  kioskId: 'k',
  provider: 'pv',
  status: 's',
  stage: 'g',
  userCode: 'u',
  verificationUri: 'v',
  verificationUriComplete: 'vc',
  poll: 'o',
  createdAt: 'c',
  updatedAt: 'a',
  error: 'e',
  grantedAt: 'ga',
  accessIssuedAt: 'ai',
  accessExpiresAt: 'ax',
  refreshExpiresAt: 'rx',
};
const POLL_NAMES: Readonly<Record<string, string>> = { intervalS: 'i', expiresAt: 'x', lastPollAt: 'l', nextPollAt: 'n' };
/** `verificationUriComplete` as the rest after `verificationUri`. */
const URI_SUFFIX = 'vs';
const NULLABLE_FIELDS: ReadonlySet<string> = new Set(NULLABLE);
const FIRST_STATUS = 'pending';
const FIRST_STAGE = 'polling';

export function encodeSession(value: StoredValue): string {
  const record = value.record;
  const compact: Record<string, unknown> = {};
  const suffixed = record.verificationUriComplete.startsWith(record.verificationUri);
  if (suffixed) compact[URI_SUFFIX] = record.verificationUriComplete.slice(record.verificationUri.length);
  // Built field by field, in the record's order: copying the record and deleting what is implied
  // made every write's object slow to build (a `delete` turns a V8 object into a dictionary).
  const fields = record as unknown as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!isImplied(record, name, fields[name], suffixed)) compact[SHORT_NAMES[name] ?? name] = fields[name];
  }
  const poll = record.poll as unknown as Record<string, unknown>;
  const storedPoll: Record<string, unknown> = {};
  for (const name of Object.keys(poll)) {
    // The backoff count stays in the poller's memory; a first poll's time is the creation's.
    if (name === 'failures' || (name === 'lastPollAt' && poll[name] === record.createdAt)) continue;
    storedPoll[POLL_NAMES[name] ?? name] = poll[name];
  }
  compact[SHORT_NAMES.poll] = storedPoll;
  const encoded: Encoded = { c: compact };
  if (value.sealedDeviceCode) encoded.d = value.sealedDeviceCode;
  if (value.sealedTokens) encoded.t = value.sealedTokens;
  if (value.sealedProfile) encoded.p = value.sealedProfile;
  return JSON.stringify(encoded);
}

/** Whether a field is left out of the stored value: the key has it, or reading puts it back. */
function isImplied(record: SessionRecord, name: string, value: unknown, suffixed: boolean): boolean {
  switch (name) {
    case 'id':
    case 'poll': // written last, compacted on its own
      return true;
    case 'provider':
      // Webex is what a session without a provider means (`toView`): no need to store it on each one.
      return record.provider?.kind === WEBEX.kind && record.provider?.name === WEBEX.name;
    case 'status':
      return value === FIRST_STATUS;
    case 'stage':
      return value === FIRST_STAGE;
    case 'updatedAt':
      return value === record.createdAt;
    case 'verificationUriComplete':
      return suffixed;
    default:
      return value === null && NULLABLE_FIELDS.has(name);
  }
}

export function parseSession(id: string, value: string | null): StoredSession | null {
  if (value === null) return null;
  const bar = value.indexOf('|');
  const encoded = JSON.parse(value.slice(bar + 1)) as Encoded;
  return {
    record: (encoded.c ? expand(id, encoded.c) : withFullNames(id, encoded.r ?? {})) as unknown as SessionRecord,
    rev: Number(value.slice(0, bar)),
    sealedDeviceCode: encoded.d ?? null,
    sealedTokens: encoded.t ?? null,
    sealedProfile: encoded.p ?? null,
  };
}

/**
 * The stored names this version reads into a field of its own; any other is kept as it is. The id
 * is the key's, and a backoff count starts again at 0 (both never stored).
 */
const KNOWN_NAMES: ReadonlySet<string> = new Set([...Object.values(SHORT_NAMES), URI_SUFFIX, 'profile', 'id']);
const KNOWN_POLL_NAMES: ReadonlySet<string> = new Set([...Object.values(POLL_NAMES), 'failures']);

/**
 * The record from its compact form, with what was left out put back. Every record read is built
 * with the same fields in the same order, so V8 gives them all one shape: the code that reads
 * records (views, polls, the store) sees one kind of object, not one per combination of fields
 * that happened to be stored.
 */
function expand(id: string, c: Record<string, unknown>): Record<string, unknown> {
  const n = SHORT_NAMES;
  const createdAt = c[n.createdAt];
  const uri = c[n.verificationUri];
  const uriSuffix = c[URI_SUFFIX];
  // `satisfies`: a field added to SessionRecord does not compile until it is read here too.
  const record: Record<string, unknown> = {
    id,
    kioskId: c[n.kioskId] ?? null,
    provider: c[n.provider],
    status: c[n.status] ?? FIRST_STATUS,
    userCode: c[n.userCode],
    verificationUri: uri,
    verificationUriComplete: typeof uriSuffix === 'string' ? `${String(uri)}${uriSuffix}` : c[n.verificationUriComplete],
    poll: expandPoll(c[n.poll] as Record<string, unknown>, createdAt),
    stage: c[n.stage] ?? FIRST_STAGE,
    createdAt,
    updatedAt: c[n.updatedAt] ?? createdAt,
    profile: c.profile ?? null,
    error: c[n.error] ?? null,
    grantedAt: c[n.grantedAt] ?? null,
    accessIssuedAt: c[n.accessIssuedAt] ?? null,
    accessExpiresAt: c[n.accessExpiresAt] ?? null,
    refreshExpiresAt: c[n.refreshExpiresAt] ?? null,
  } satisfies Record<keyof SessionRecord, unknown>;
  // A field this version does not know (a later version wrote it) is kept, under its own name.
  for (const name of Object.keys(c)) if (!KNOWN_NAMES.has(name)) record[name] = c[name];
  return record;
}

function expandPoll(o: Record<string, unknown>, createdAt: unknown): PollState {
  const n = POLL_NAMES;
  const poll: Record<string, unknown> = {
    intervalS: o[n.intervalS],
    expiresAt: o[n.expiresAt],
    lastPollAt: o[n.lastPollAt] ?? createdAt,
    nextPollAt: o[n.nextPollAt],
    failures: 0,
  } satisfies Record<keyof PollState, unknown>;
  for (const name of Object.keys(o)) if (!KNOWN_POLL_NAMES.has(name)) poll[name] = o[name];
  return poll as unknown as PollState;
}

/** A record in the earlier encoding (`r`: full names, nulls and implied fields written out). */
function withFullNames(id: string, r: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = { ...r, id };
  for (const field of NULLABLE) record[field] ??= null;
  record.poll = { ...(record.poll as PollState), failures: 0 };
  return record;
}
