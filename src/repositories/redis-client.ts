import type { Cluster, Redis } from 'ioredis';

/**
 * Any ioredis client of the service: one Redis (a URL, or the master Sentinels name) or a Redis
 * Cluster. Both speak the same commands; what differs is that on a Cluster every multi-key command,
 * script, transaction and pipeline must stay within one hash slot, which the key layout guarantees
 * (`Shards`).
 */
export type RedisClient = Redis | Cluster;
