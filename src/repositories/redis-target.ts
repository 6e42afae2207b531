import type { RedisOptions } from 'ioredis';
import type { HostPort, RedisConfig } from '../config/redis.settings';

/** Where every ioredis client of the process connects: one URL, the master the sentinels name, or a Redis Cluster. */
export interface RedisTarget {
  /** `redis://` or `rediss://`; `null` when `options` name sentinels, or for a cluster. */
  url: string | null;
  /** Options of each connection (for a cluster: of each node's connection). */
  options: RedisOptions;
  /** True when the sentinels decide where the master is (failovers happen). */
  sentinel: boolean;
  /** A Redis Cluster's seed nodes; `null` for one Redis. */
  cluster: HostPort[] | null;
}

/**
 * After a failover each reconnect attempt asks a sentinel for the master and dials it: cheap, and
 * the new master is usually named within seconds, so the attempts stay close together.
 */
const sentinelRetry = (attempt: number) => Math.min(attempt * 100, 2_000);

/**
 * A master whose host is gone may drop packets rather than refuse them; the next attempt (which asks
 * the sentinels again) should come after seconds, not after ioredis's default ten.
 */
const SENTINEL_CONNECT_TIMEOUT_MS = 3_000;

/** ioredis options for `config` (or the demo's private redis-server at `demoUrl`). */
export function redisTarget(config: RedisConfig, demoUrl: string | null): RedisTarget {
  const credentials: RedisOptions = {
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
  };
  const ca = config.tlsCa ? { ca: config.tlsCa } : {};
  if (config.cluster) {
    return {
      url: null,
      sentinel: false,
      cluster: config.cluster.nodes,
      options: { ...credentials, ...(config.cluster.tls ? { tls: ca } : {}) },
    };
  }
  const s = config.sentinel;
  if (!s) {
    const url = config.url ?? demoUrl;
    if (!url) throw new Error('no Redis configured and no demo Redis started');
    return {
      url,
      options: { ...credentials, ...(url.startsWith('rediss:') ? { tls: ca } : {}) },
      sentinel: false,
      cluster: null,
    };
  }
  return {
    url: null,
    sentinel: true,
    cluster: null,
    options: {
      ...credentials,
      sentinels: s.sentinels,
      name: s.name,
      role: 'master',
      ...(s.username ? { sentinelUsername: s.username } : {}),
      ...(s.password ? { sentinelPassword: s.password } : {}),
      ...(s.sentinelTls ? { sentinelTLS: ca } : {}),
      ...(s.tls ? { enableTLSForSentinelMode: true, tls: ca } : {}),
      // Told by the sentinels' +switch-master, so a client still connected to a demoted (but
      // living) master moves at once instead of writing into a replica.
      failoverDetector: true,
      // The same from the other side: a write refused as READONLY reconnects (asking the sentinels
      // again) and is sent once more; it was never applied, so sending it again is safe.
      reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
      retryStrategy: sentinelRetry,
      connectTimeout: SENTINEL_CONNECT_TIMEOUT_MS,
    },
  };
}
