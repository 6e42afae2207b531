import Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../demo/redis-server';
import { toView } from '../domain/session';
import { guardPublish } from './publish-guard';
import { PushRepository } from './push.repository';
import { sessionRecord } from '../testing/session-record';

/** A client whose Redis is gone for good (it gave up connecting): every command fails at once. */
async function redisThatIsGone(): Promise<Redis> {
  const redis = new Redis({ port: await freePort(), host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  await new Promise((resolve) => redis.once('end', resolve));
  return redis;
}

function collectUnhandled(): { reasons: unknown[]; stop: () => void } {
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => reasons.push(reason);
  process.on('unhandledRejection', listener);
  return { reasons, stop: () => process.off('unhandledRejection', listener) };
}

/**
 * Node reports a rejection nobody handled once the microtasks of the turn that made it have run;
 * the commands above fail at once (the client has ended), so one more turn of the event loop shows it.
 */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('publishing while Redis is away', () => {
  let unhandled: ReturnType<typeof collectUnhandled>;
  afterEach(() => unhandled.stop());

  it('hands a failed PUBLISH to the error callback and leaves every other method as it was', async () => {
    unhandled = collectUnhandled();
    const redis = await redisThatIsGone();
    const errors: unknown[] = [];
    const guarded = guardPublish(redis, (err) => errors.push(err));
    await expect(guarded.publish('channel', 'message')).resolves.toBe(0);
    expect(errors).toHaveLength(1);
    expect(guarded.status).toBe(redis.status);
    await expect(guarded.get('key')).rejects.toThrow();
    await settle();
    expect(unhandled.reasons).toEqual([]);
  });

  it('loses a push (made good later by the API processes) rather than the process', async () => {
    unhandled = collectUnhandled();
    const push = new PushRepository(await redisThatIsGone(), '{kiosk}:socket.io');
    push.sessionChanged(
      toView({
        ...sessionRecord('AAAAAAAAAAAAAAAAAAAAAA', 'denied'),
        error: { code: 'access_denied', message: 'The person declined.' },
      }),
    );
    push.kiosksChanged();
    push.disconnectKiosk('lobby-1');
    await push.onApplicationShutdown(); // sends the fleet's batch now
    await settle();
    expect(unhandled.reasons).toEqual([]);
  });
});
