import { z } from 'zod';
import type { ParsedEnv } from './config.schema';

/** A Redis Sentinel's address. */
export interface HostPort {
  host: string;
  port: number;
}

/** Redis behind Sentinels (`REDIS_SENTINELS`): every client asks them for the master, and asks again after a failover. */
export interface SentinelConfig {
  sentinels: HostPort[];
  /** The master's name in the sentinels' configuration (`sentinel monitor <name> …`). */
  name: string;
  /** The sentinels' own credentials (Sentinel has its own ACL, apart from the master's). */
  username: string | null;
  password: string | null;
  /** TLS to the sentinels (`sentinelTls`) and to the master and replicas (`tls`). */
  sentinelTls: boolean;
  tls: boolean;
  /**
   * After the writes that must survive a failover, wait until this many replicas acknowledged them
   * (`WAIT`), at most `waitTimeoutMs`; 0 never waits.
   */
  waitReplicas: number;
  waitTimeoutMs: number;
}

export interface RedisConfig {
  /** `url` and `sentinel` both `null`: demo mode, `main.ts` starts a private redis-server. */
  url: string | null;
  sentinel: SentinelConfig | null;
  /** Redis's own credentials (ACL user, password); with `REDIS_URL` they may be in the URL instead. */
  username: string | null;
  password: string | null;
  /** PEM of the CA behind the Redis (and Sentinel) certificates; `null`: Node's usual CAs. */
  tlsCa: string | null;
  prefix: string;
}

const DEFAULT_SENTINEL_PORT = 26379;
// Host names and IPv4 addresses, or an IPv6 address in brackets, then an optional port.
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?))(?::(\d{1,5}))?$/;

function parseSentinels(value: string, ctx: z.RefinementCtx): HostPort[] {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) ctx.addIssue({ code: 'custom', message: 'expected host:port,host:port,…' });
  const sentinels: HostPort[] = [];
  for (const part of parts) {
    const match = HOST_PORT.exec(part);
    const port = Number(match?.[3] ?? DEFAULT_SENTINEL_PORT);
    if (!match || port < 1 || port > 65_535) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not host:port` });
      continue;
    }
    sentinels.push({ host: match[1] ?? match[2], port });
  }
  return sentinels;
}

/** The Redis variables of the environment schema (`config.schema.ts`). */
export const redisEnvFields = {
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_SENTINELS: z
    .string()
    .optional()
    .transform((s, ctx) => (s === undefined ? undefined : parseSentinels(s, ctx))),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ., _ or -, at most 64')
    .optional(),
  REDIS_USERNAME: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  REDIS_SENTINEL_USERNAME: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  REDIS_TLS: z.stringbool().optional(),
  REDIS_SENTINEL_TLS: z.stringbool().optional(),
  REDIS_TLS_CA: z.string().includes('-----BEGIN CERTIFICATE-----', 'expected PEM certificates').optional(),
  REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).optional(),
  // Two WAITs may hold the command connection in a row; together they must stay well under its
  // 5 s command timeout, or every command queued behind them would fail.
  REDIS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(1).max(2_000).optional(),
};

/** Settings that only mean something next to `REDIS_SENTINELS`. */
const SENTINEL_ONLY = [
  'REDIS_SENTINEL_USERNAME',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_SENTINEL_TLS',
  'REDIS_WAIT_REPLICAS',
  'REDIS_WAIT_TIMEOUT_MS',
] as const;

/** Cross-field checks of the Redis variables, one line per problem; never echoes a secret. */
export function redisProblems(e: ParsedEnv): string[] {
  const problems: string[] = [];
  const sentinels = e.REDIS_SENTINELS !== undefined;
  if (e.REDIS_URL && sentinels) problems.push('REDIS_URL, REDIS_SENTINELS: set one of them, not both');
  if (sentinels && !e.REDIS_SENTINEL_NAME) {
    problems.push("REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the master's name the sentinels monitor)");
  }
  if (!sentinels && e.REDIS_SENTINEL_NAME) problems.push('REDIS_SENTINELS: required with REDIS_SENTINEL_NAME');
  if (!sentinels) {
    for (const name of SENTINEL_ONLY) if (e[name] !== undefined) problems.push(`${name}: only with REDIS_SENTINELS`);
    if (e.REDIS_TLS !== undefined) problems.push('REDIS_TLS: only with REDIS_SENTINELS (with REDIS_URL, use rediss://)');
  }
  if (e.REDIS_URL) {
    const url = new URL(e.REDIS_URL);
    if (url.password && e.REDIS_PASSWORD) problems.push('REDIS_PASSWORD: REDIS_URL carries a password too; choose one');
    if (url.username && e.REDIS_USERNAME) problems.push('REDIS_USERNAME: REDIS_URL carries a user name too; choose one');
  }
  const tls = e.REDIS_TLS || e.REDIS_SENTINEL_TLS || e.REDIS_URL?.startsWith('rediss:');
  if (e.REDIS_TLS_CA && !tls) {
    problems.push('REDIS_TLS_CA: no connection uses TLS (set REDIS_TLS, REDIS_SENTINEL_TLS, or a rediss:// REDIS_URL)');
  }
  if (e.NODE_ENV === 'production' && !e.REDIS_URL && !sentinels) {
    problems.push('REDIS_URL: required when NODE_ENV=production (or REDIS_SENTINELS with REDIS_SENTINEL_NAME)');
  }
  return problems;
}

/** Only called after `redisProblems` found nothing. */
export function redisConfig(e: ParsedEnv): RedisConfig {
  return {
    url: e.REDIS_URL ?? null,
    sentinel:
      e.REDIS_SENTINELS && e.REDIS_SENTINEL_NAME
        ? {
            sentinels: e.REDIS_SENTINELS,
            name: e.REDIS_SENTINEL_NAME,
            username: e.REDIS_SENTINEL_USERNAME ?? null,
            password: e.REDIS_SENTINEL_PASSWORD ?? null,
            sentinelTls: e.REDIS_SENTINEL_TLS ?? false,
            tls: e.REDIS_TLS ?? false,
            waitReplicas: e.REDIS_WAIT_REPLICAS ?? 1,
            waitTimeoutMs: e.REDIS_WAIT_TIMEOUT_MS ?? DEFAULT_WAIT_TIMEOUT_MS,
          }
        : null,
    username: e.REDIS_USERNAME ?? null,
    password: e.REDIS_PASSWORD ?? null,
    tlsCa: e.REDIS_TLS_CA ?? null,
    prefix: e.REDIS_PREFIX,
  };
}

/**
 * A replica on the same network acknowledges within a millisecond or two; this much longer means it
 * is gone or far behind, and waiting longer would only hold up the connection the WAIT runs on.
 */
export const DEFAULT_WAIT_TIMEOUT_MS = 250;
