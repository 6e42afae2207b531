import type { RedisClient } from './redis-client';
import { RedisScript } from './redis-script';
import { PROBLEM_KINDS, ProblemKind } from '../domain/upstream';

/** How many failures the fleet view can list; older ones fall off (bounded, whatever the outage). */
export const FAILURES_KEPT = 50;
/** Failures and problem marks are forgotten a day after the last one. */
const KEEP_MS = 24 * 3600 * 1000;

// A problem's `since` restarts when the provider answered normally after its last sighting.
// KEYS: status hash. ARGV: kind, now (epoch ms), message, keepMs.
const PROBLEM_SCRIPT = `
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':last') or '0')
local ok = tonumber(redis.call('HGET', KEYS[1], 'ok') or '0')
if last == 0 or last <= ok then redis.call('HSET', KEYS[1], ARGV[1] .. ':since', ARGV[2]) end
if tonumber(ARGV[2]) > last then redis.call('HSET', KEYS[1], ARGV[1] .. ':last', ARGV[2], ARGV[1] .. ':msg', ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

// Processes' clocks and writes interleave: the mark only ever moves forward.
// KEYS: status hash. ARGV: now (epoch ms), keepMs.
const OK_SCRIPT = `
local ok = tonumber(redis.call('HGET', KEYS[1], 'ok') or '0')
if tonumber(ARGV[1]) > ok then redis.call('HSET', KEYS[1], 'ok', ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

const PROBLEM = new RedisScript<number>(PROBLEM_SCRIPT, 1);
const OK = new RedisScript<number>(OK_SCRIPT, 1);

/** A problem as last recorded: epoch ms of its first and latest sighting since the provider last answered normally. */
export interface ProblemMark {
  kind: ProblemKind;
  since: number;
  lastSeenAt: number;
  message: string;
}

/**
 * What every process learned about the identity provider, shared through Redis so the fleet view
 * and `/readyz` of any API process tell it, also what workers saw: the last failures (a capped
 * list of JSON records) and, per lasting problem, when it was first and last seen versus when the
 * provider last answered normally.
 */
export class UpstreamRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async addFailure(json: string): Promise<void> {
    const key = this.failuresKey();
    await this.redis
      .multi()
      .lpush(key, json)
      .ltrim(key, 0, FAILURES_KEPT - 1)
      .pexpire(key, KEEP_MS)
      .exec();
  }

  /** The newest failures first. */
  recentFailures(limit = FAILURES_KEPT): Promise<string[]> {
    return this.redis.lrange(this.failuresKey(), 0, limit - 1);
  }

  async markProblem(kind: ProblemKind, at: number, message: string): Promise<void> {
    await PROBLEM.run(this.redis, [this.statusKey()], [kind, String(at), message, String(KEEP_MS)]);
  }

  async markOk(at: number): Promise<void> {
    await OK.run(this.redis, [this.statusKey()], [String(at), String(KEEP_MS)]);
  }

  /** Problems seen since the provider last answered normally. */
  async currentProblems(): Promise<ProblemMark[]> {
    const fields = await this.redis.hgetall(this.statusKey());
    const ok = Number(fields.ok ?? 0);
    return PROBLEM_KINDS.flatMap((kind) => {
      const last = Number(fields[`${kind}:last`] ?? 0);
      if (last === 0 || last <= ok) return [];
      return [{ kind, since: Number(fields[`${kind}:since`] ?? last), lastSeenAt: last, message: fields[`${kind}:msg`] ?? '' }];
    });
  }

  private failuresKey(): string {
    return `${this.prefix}:upstream:failures`;
  }

  private statusKey(): string {
    return `${this.prefix}:upstream:status`;
  }
}
