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

/** A Redis Cluster (`REDIS_CLUSTER_NODES`): the client learns the rest of the cluster from these seeds. */
export interface ClusterConfig {
  nodes: HostPort[];
  /** TLS to every node (`REDIS_TLS`). */
  tls: boolean;
}

export interface RedisConfig {
  /** `url`, `sentinel` and `cluster` all `null`: demo mode, `main.ts` starts a private redis-server. */
  url: string | null;
  sentinel: SentinelConfig | null;
  cluster: ClusterConfig | null;
  /**
   * How many hash-tagged shards sessions, their leases and their queues spread over
   * (`{kiosk-0}` … `{kiosk-N-1}`; with 1, everything stays under `{kiosk}` as before).
   */
  shards: number;
  /** The shards this process's pollers and queue workers serve: all of them unless `WORKER_SHARDS` says otherwise. */
  workerShards: number[];
  /** Redis's own credentials (ACL user, password); with `REDIS_URL` they may be in the URL instead. */
  username: string | null;
  password: string | null;
  /** PEM of the CA behind the Redis (and Sentinel) certificates; `null`: Node's usual CAs. */
  tlsCa: string | null;
  prefix: string;
}

const DEFAULT_SENTINEL_PORT = 26379;
const DEFAULT_REDIS_PORT = 6379;
/** More shards than this buys nothing (a cluster this size has far fewer primaries) and costs a claim per shard. */
export const MAX_SHARDS = 256;
// Host names and IPv4 addresses, or an IPv6 address in brackets, then an optional port.
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?))(?::(\d{1,5}))?$/;

function parseHostPorts(value: string, ctx: z.RefinementCtx, defaultPort: number): HostPort[] {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) ctx.addIssue({ code: 'custom', message: 'expected host:port,host:port,…' });
  const hosts: HostPort[] = [];
  for (const part of parts) {
    const match = HOST_PORT.exec(part);
    const port = Number(match?.[3] ?? defaultPort);
    if (!match || port < 1 || port > 65_535) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not host:port` });
      continue;
    }
    hosts.push({ host: match[1] ?? match[2], port });
  }
  return hosts;
}

/** `WORKER_SHARDS`: `0-3,7` style lists of shard numbers. */
function parseShardList(value: string, ctx: z.RefinementCtx): number[] {
  const shards = new Set<number>();
  for (const part of value.split(',').map((p) => p.trim())) {
    const match = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(part);
    const from = Number(match?.[1]);
    const to = Number(match?.[2] ?? match?.[1]);
    if (!match || to < from) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not a shard number or a range like 0-3` });
      continue;
    }
    for (let s = from; s <= to; s++) shards.add(s);
  }
  return [...shards].sort((a, b) => a - b);
}

/** The Redis variables of the environment schema (`config.schema.ts`). */
export const redisEnvFields = {
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_SENTINELS: z
    .string()
    .optional()
    .transform((s, ctx) => (s === undefined ? undefined : parseHostPorts(s, ctx, DEFAULT_SENTINEL_PORT))),
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((s, ctx) => (s === undefined ? undefined : parseHostPorts(s, ctx, DEFAULT_REDIS_PORT))),
  REDIS_SHARDS: z.coerce.number().int().min(1).max(MAX_SHARDS).default(1),
  WORKER_SHARDS: z
    .string()
    .optional()
    .transform((s, ctx) => (s === undefined ? undefined : parseShardList(s, ctx))),
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
  const cluster = e.REDIS_CLUSTER_NODES !== undefined;
  const chosen = [e.REDIS_URL && 'REDIS_URL', sentinels && 'REDIS_SENTINELS', cluster && 'REDIS_CLUSTER_NODES'].filter(Boolean);
  if (chosen.length > 1) problems.push(`${chosen.join(', ')}: set one of them, not several`);
  const outOfRange = (e.WORKER_SHARDS ?? []).filter((s) => s >= e.REDIS_SHARDS);
  if (outOfRange.length > 0) {
    problems.push(
      `WORKER_SHARDS: ${outOfRange.join(', ')} out of range (REDIS_SHARDS=${e.REDIS_SHARDS}: shards 0-${e.REDIS_SHARDS - 1})`,
    );
  }
  if (e.WORKER_SHARDS !== undefined && e.ROLE === 'api') problems.push('WORKER_SHARDS: only for ROLE=worker or all');
  if (sentinels && !e.REDIS_SENTINEL_NAME) {
    problems.push("REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the master's name the sentinels monitor)");
  }
  if (!sentinels && e.REDIS_SENTINEL_NAME) problems.push('REDIS_SENTINELS: required with REDIS_SENTINEL_NAME');
  if (!sentinels) {
    for (const name of SENTINEL_ONLY) if (e[name] !== undefined) problems.push(`${name}: only with REDIS_SENTINELS`);
    if (e.REDIS_TLS !== undefined && !cluster) {
      problems.push('REDIS_TLS: only with REDIS_SENTINELS or REDIS_CLUSTER_NODES (with REDIS_URL, use rediss://)');
    }
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
  if (e.NODE_ENV === 'production' && chosen.length === 0) {
    problems.push(
      'REDIS_URL: required when NODE_ENV=production (or REDIS_SENTINELS with REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES)',
    );
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
    cluster: e.REDIS_CLUSTER_NODES ? { nodes: e.REDIS_CLUSTER_NODES, tls: e.REDIS_TLS ?? false } : null,
    shards: e.REDIS_SHARDS,
    workerShards: e.WORKER_SHARDS ?? Array.from({ length: e.REDIS_SHARDS }, (_, i) => i),
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
