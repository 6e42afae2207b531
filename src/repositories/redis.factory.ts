import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisClient } from './redis-client';
import { RedisTarget } from './redis-target';

/**
 * Creates ioredis clients for one Redis (a URL, or the master named by Sentinels: every client,
 * BullMQ's duplicates included, then follows a failover) or for a Redis Cluster (each client
 * follows the slots as they move, and a replica promoted after a primary failed). BullMQ requires
 * `maxRetriesPerRequest: null` on connections that block (workers); plain commands get a bounded
 * retry so an HTTP request fails fast with 503 instead of hanging while Redis is away.
 */
export class RedisFactory {
  private readonly clients = new Set<RedisClient>();
  private closing = false;

  constructor(readonly target: RedisTarget) {}

  /** For BullMQ workers and the Socket.IO adapter subscriber: block, and wait for Redis to return. */
  blocking(name: string): RedisClient {
    return this.track(this.make({ ...baseOptions(name), maxRetriesPerRequest: null }));
  }

  /**
   * A subscriber for sharded pub/sub (`SSUBSCRIBE`, Socket.IO's sharded adapter). On a Cluster it
   * keeps one subscriber connection per primary, so each channel is heard where its slot lives.
   */
  shardedSubscriber(name: string): RedisClient {
    return this.track(this.make({ ...baseOptions(name), maxRetriesPerRequest: null }, { shardedSubscribers: true }));
  }

  /**
   * For request-path commands (and BullMQ queues, which never block): gives up after a few retries
   * while Redis is unreachable, and after
   * a few seconds when it is reachable but stalled, so HTTP answers 503 instead of hanging.
   */
  command(name: string, { autoPipelining = true }: { autoPipelining?: boolean } = {}): RedisClient {
    // Auto-pipelining batches the commands of one tick into one socket write: on the poll path that
    // is most of ioredis's cost (the benchmark's profile: one write per command otherwise).
    return this.track(
      this.make({
        ...baseOptions(name),
        maxRetriesPerRequest: 2,
        commandTimeout: 5_000,
        enableAutoPipelining: autoPipelining,
      }),
    );
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.clients].map((c) => c.quit().catch(() => c.disconnect())));
    this.clients.clear();
  }

  private make(options: RedisOptions, clusterOptions: ClusterOptions = {}): RedisClient {
    // The target's own options (sentinels, credentials, TLS, its retry strategy) win over the defaults.
    const merged = { ...options, ...this.target.options };
    if (this.target.cluster) {
      const { enableAutoPipelining, retryStrategy, ...redisOptions } = merged;
      return new Cluster(this.target.cluster, {
        ...clusterOptions,
        redisOptions,
        enableAutoPipelining,
        enableReadyCheck: true,
        // Reconnect to the cluster forever, like a single Redis: a restart must heal by itself.
        clusterRetryStrategy: (attempt) => retryStrategy?.(attempt) ?? null,
        // A node that restarts without slot changes (a replica, a primary back before its failover).
        clusterNodeRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      });
    }
    return this.target.url ? new Redis(this.target.url, merged) : new Redis(merged);
  }

  private track<T extends RedisClient>(client: T): T {
    this.clients.add(client);
    // ioredis emits 'error' on every failed reconnect; without a listener Node would crash.
    client.on('error', () => undefined);
    // ioredis gives a client up for good ("end") when it is told to disconnect while it is asking a
    // sentinel for the master, and its own failover detector does that on +switch-master, which
    // comes while clients are reconnecting. Connect it again (it resubscribes, as on any
    // reconnect), unless the process is closing it. A failed attempt ends it again: a loop.
    client.on('end', () => {
      if (!this.closing) setTimeout(() => void client.connect().catch(() => undefined), REVIVE_AFTER_MS);
    });
    return client;
  }
}

const REVIVE_AFTER_MS = 500;

function baseOptions(name: string): RedisOptions {
  return {
    connectionName: `kiosk-signin:${name}`,
    enableReadyCheck: true,
    // Reconnect forever with a capped backoff: Redis restarts and failovers must heal by themselves.
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  };
}

/**
 * True for ioredis's ways of saying "Redis is not answering right now" (as opposed to a bug),
 * including a failover under way: a master that went read-only or is loading its data, and a
 * write whose replication could not be confirmed because the connection dropped.
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    err.name === 'ReplicationUnconfirmedError' ||
    /Command timed out|Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|Command aborted due to connection close|^(READONLY|LOADING|MASTERDOWN|NOREPLICAS) /.test(
      err.message,
    )
  );
}
