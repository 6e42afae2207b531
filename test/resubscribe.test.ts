import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from './support/kiosk-socket';
import { useStack } from './support/stack';

/**
 * Pushes travel through Redis pub/sub, which keeps nothing for a subscriber that is away. When an
 * API process's subscriber connection drops (a Redis restart, a Sentinel failover) the kiosks stay
 * connected to it and do not watch again, so what changed meanwhile must be pushed once it is back.
 */
describe('an API process whose Redis subscriber dropped', () => {
  const t = useStack();
  let admin: Redis;

  beforeAll(() => {
    admin = new Redis(t.redis.url);
  });
  afterAll(() => admin?.disconnect());

  it('pushes a change made while it was resubscribing', async () => {
    const sessions = await Promise.all([
      createSession(t.service.url, { kioskId: 'a' }),
      createSession(t.service.url, { kioskId: 'b' }),
    ]);
    for (const s of sessions) expect(await t.kiosk.watch({ id: s.id })).toMatchObject({ ok: true });

    // Every subscriber connection drops; ioredis reconnects it 200 ms later. The cancel meanwhile
    // is published to nobody on the kiosk's API process.
    expect(await admin.client('KILL', 'TYPE', 'pubsub')).toBeGreaterThan(0);
    const cancelled = await fetch(`${t.service.url}/api/sessions/${sessions[0].id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);

    const pushed = await t.kiosk.next((v) => v.id === sessions[0].id && v.status === 'cancelled', 10_000);
    expect(pushed.updatedAt).toBe(((await cancelled.json()) as { updatedAt: string }).updatedAt);
    // The other watched session is pushed as it is (still pending): a repeat, harmless to a kiosk.
    await t.kiosk.next((v) => v.id === sessions[1].id && v.status === 'pending', 10_000);
  });
});
