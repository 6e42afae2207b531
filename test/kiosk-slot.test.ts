import Redis from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../src/domain/errors';
import { KioskRepository } from '../src/repositories/kiosk.repository';
import { commandCalls } from './support/command-stats';
import { usePrivateRedis } from './support/private-redis';

const MINUTE_MS = 60_000;

/**
 * A kiosk's slot against a real Redis: its one pending sign-in and its budget of sign-ins a window,
 * kept in one key (`KioskRepository.claimSlot`, `holdSlot`, `releaseSlot`).
 */
describe('a kiosk slot', () => {
  const redis = usePrivateRedis();
  let client: Redis;
  let kiosks: KioskRepository;
  const key = (slot: string) => `{s}:kiosk-pending:${slot}`;

  beforeAll(() => {
    client = redis.client;
    kiosks = new KioskRepository(client, '{s}');
  });

  it('counts the sign-ins of a window, shared by every process, and past the budget claims nothing', async () => {
    const other = new Redis(redis.url);
    try {
      await other.ping();
      const elsewhere = new KioskRepository(other, '{s}');
      expect(await kiosks.claimSlot('kiosk:a', 'session-1', 2, MINUTE_MS)).toMatchObject({
        used: 1,
        claimed: true,
        replaced: null,
      });
      expect(await elsewhere.claimSlot('kiosk:a', 'session-2', 2, MINUTE_MS)).toMatchObject({
        used: 2,
        claimed: true,
        replaced: 'session-1',
      });
      const refused = await kiosks.claimSlot('kiosk:a', 'session-3', 2, MINUTE_MS);
      expect(refused).toMatchObject({ used: 3, claimed: false, replaced: null });
      expect(refused.windowLeftMs).toBeGreaterThan(50_000);
      expect(refused.windowLeftMs).toBeLessThanOrEqual(MINUTE_MS);
      // The refused one did not take the slot: the next sign-in of a new window replaces session-2.
      expect(await kiosks.claimSlot('kiosk:b', 'session-4', 2, MINUTE_MS)).toMatchObject({ used: 1, claimed: true });
      expect(await kiosks.claimSlot('kiosk:a', 'session-5', 9, MINUTE_MS, Date.now() + MINUTE_MS)).toMatchObject({
        used: 1,
        claimed: true,
        replaced: 'session-2',
      });
    } finally {
      other.disconnect();
    }
  });

  it('lives as long as its window, or its sign-in’s code when that is longer', async () => {
    await kiosks.claimSlot('kiosk:c', 'session-6', 5, 300);
    // Nothing holds the slot beyond its window: wait for Redis to drop it.
    await expect.poll(() => client.exists(key('kiosk:c')), { timeout: 3_000, interval: 50 }).toBe(0);
    expect((await kiosks.claimSlot('kiosk:c', 'session-7', 5, 300)).used).toBe(1);

    await kiosks.claimSlot('kiosk:d', 'session-8', 5, MINUTE_MS);
    await kiosks.holdSlot('kiosk:d', 10 * MINUTE_MS);
    expect(await client.pttl(key('kiosk:d'))).toBeGreaterThan(9 * MINUTE_MS);
    // A shorter code does not cut the window short, and a later sign-in keeps the longer life.
    await kiosks.holdSlot('kiosk:d', 100);
    expect((await kiosks.claimSlot('kiosk:d', 'session-9', 5, MINUTE_MS)).replaced).toBe('session-8');
    expect(await client.pttl(key('kiosk:d'))).toBeGreaterThan(9 * MINUTE_MS);
    expect(await client.keys('{s}:*kiosk:d*')).toEqual([key('kiosk:d')]);
  });

  it('gives the slot back when a claimed start fails, unless a newer one took it meanwhile', async () => {
    await kiosks.claimSlot('kiosk:e', 'session-10', 5, MINUTE_MS);
    const failed = await kiosks.claimSlot('kiosk:e', 'session-11', 5, MINUTE_MS);
    await kiosks.releaseSlot('kiosk:e', 'session-11', failed.replaced);
    expect((await kiosks.claimSlot('kiosk:e', 'session-12', 5, MINUTE_MS)).replaced).toBe('session-10');
    // session-12 holds it now: a late release of session-11 leaves it alone.
    await kiosks.releaseSlot('kiosk:e', 'session-11', 'session-10');
    expect((await kiosks.claimSlot('kiosk:e', 'session-13', 5, MINUTE_MS)).replaced).toBe('session-12');
    // The count was spent by every start, failed or not.
    expect((await kiosks.claimSlot('kiosk:e', 'session-14', 5, MINUTE_MS)).used).toBe(5);
  });

  it('reads a pending sign-in as earlier versions stored it, with no window', async () => {
    await client.set(key('kiosk:f'), 'session-old', 'PX', 10 * MINUTE_MS);
    expect(await kiosks.claimSlot('kiosk:f', 'session-new', 5, MINUTE_MS)).toMatchObject({
      used: 1,
      claimed: true,
      replaced: 'session-old',
    });
    expect(await client.pttl(key('kiosk:f'))).toBeGreaterThan(9 * MINUTE_MS);
  });

  it('costs what the pointer and the window cost apart: a start, its script and one SET; its code, one PEXPIRE', async () => {
    await kiosks.claimSlot('warm-up', 'session-0', 5, MINUTE_MS); // loads the script
    const before = await commandCalls(client);
    await kiosks.claimSlot('kiosk:g', 'session-15', 5, MINUTE_MS);
    await kiosks.holdSlot('kiosk:g', 10 * MINUTE_MS);
    const after = await commandCalls(client);
    // Besides the first INFO: EVALSHA and its SET NX, then PEXPIRE.
    expect(after.total - before.total).toBe(1 + 3);
    expect(after.of('set') - before.of('set')).toBe(1);
    expect(after.of('pexpire') - before.of('pexpire')).toBe(1);
  });

  it('refuses at once (503) while Redis is away instead of waiting for it', async () => {
    const away = new Redis({ port: 1, lazyConnect: true, retryStrategy: () => null });
    try {
      await expect(new KioskRepository(away, '{s}').claimSlot('kiosk:h', 'session-16', 5, MINUTE_MS)).rejects.toBeInstanceOf(
        ServiceUnavailableError,
      );
    } finally {
      away.disconnect();
    }
  });
});
