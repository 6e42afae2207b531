import type { RedisClient } from './redis-client';

/** The pub/sub calls Socket.IO's Redis emitter and adapters make without awaiting them. */
const GUARDED = new Set(['publish', 'spublish', 'ssubscribe', 'sunsubscribe']);

/**
 * `redis`, except that a failed `PUBLISH` (or sharded `SPUBLISH`, `SSUBSCRIBE`, `SUNSUBSCRIBE`) is
 * handed to `onError` instead of rejecting unheard. Socket.IO's Redis emitter and adapters call them
 * without awaiting: a push sent while Redis is away (a failover, a restart) would otherwise be an
 * unhandled rejection, which ends the Node process. A push lost this way is made good by the API
 * processes' resync after they resubscribe (`SessionGateway.resync`) and by kiosks' re-watch after a
 * reconnect.
 */
export function guardPublish<T extends RedisClient>(redis: T, onError: (err: unknown) => void): T {
  return new Proxy(redis, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = (value as (...a: unknown[]) => unknown).bind(target);
      if (typeof property !== 'string' || !GUARDED.has(property)) return method;
      return (...args: unknown[]) =>
        (method(...args) as Promise<unknown>).catch((err: unknown) => {
          onError(err);
          return 0;
        });
    },
  });
}
