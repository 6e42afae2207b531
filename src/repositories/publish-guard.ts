import Redis from 'ioredis';

/**
 * `redis`, except that a failed `PUBLISH` is handed to `onError` instead of rejecting unheard.
 * Socket.IO's Redis emitter and adapter publish without awaiting: a push sent while Redis is away
 * (a failover, a restart) would otherwise be an unhandled rejection, which ends the Node process.
 * A push lost this way is made good by the API processes' resync after they resubscribe
 * (`SessionGateway.resync`) and by kiosks' re-watch after a reconnect.
 */
export function guardPublish(redis: Redis, onError: (err: unknown) => void): Redis {
  return new Proxy(redis, {
    get(target, property) {
      if (property === 'publish') {
        return (channel: string | Buffer, message: string | Buffer) =>
          target.publish(channel, message).catch((err: unknown) => {
            onError(err);
            return 0;
          });
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
