import type { RedisClient } from './redis-client';

/**
 * Resolves once `client` is ready, or after `timeoutMs` (the caller goes on: Redis may be down,
 * and clients reconnect by themselves).
 *
 * Subscribers must wait for it: ioredis writes a SUBSCRIBE issued between the TCP connect and its
 * ready check straight away, the ready check's INFO then fails in subscriber mode, the connection
 * is dropped, and the subscriptions are not made again (seen under load: a process that pushed
 * nothing). Request-path clients wait too, so the first requests do not find Redis still opening.
 */
export async function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
    function done(): void {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
  });
}
