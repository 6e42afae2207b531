import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../src/domain/errors';
import { KioskRepository } from '../src/repositories/kiosk.repository';
import { startRedis, TestRedis } from './support/processes';

const MINUTE_MS = 60_000;

/**
 * A kiosk's slot against a real Redis: its one pending sign-in and its budget of sign-ins a window,
 * kept in one key (`KioskRepository.spendSlot`, `swapPending`).
 */
describe('a kiosk slot', () => {
  let redis: TestRedis;
  let client: Redis;
  let kiosks: KioskRepository;
  const key = (slot: string) => `{s}:kiosk-pending:${slot}`;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    await client.ping(); // a slot refuses (503) while its client is not ready
    kiosks = new KioskRepository(client, '{s}');
  });

  afterAll(() => {
    client?.disconnect();
    redis?.stop();
  });

  it('counts the sign-ins of a window, shared by every process, and ends it for everyone at once', async () => {
    const other = new Redis(redis.url);
    try {
      await other.ping();
      const elsewhere = new KioskRepository(other, '{s}');
      expect((await kiosks.spendSlot('kiosk:a', MINUTE_MS)).used).toBe(1);
      expect((await elsewhere.spendSlot('kiosk:a', MINUTE_MS)).used).toBe(2);
      const third = await kiosks.spendSlot('kiosk:a', MINUTE_MS);
      expect(third.used).toBe(3);
      expect(third.windowLeftMs).toBeGreaterThan(50_000);
      expect(third.windowLeftMs).toBeLessThanOrEqual(MINUTE_MS);
      expect((await kiosks.spendSlot('kiosk:b', MINUTE_MS)).used).toBe(1);
    } finally {
      other.disconnect();
    }
  });

  it('starts a new window once the last one has run out', async () => {
    await kiosks.spendSlot('kiosk:c', 300);
    expect((await kiosks.spendSlot('kiosk:c', 300)).used).toBe(2);
    // Without a pending sign-in the key lives as long as its window: wait for Redis to drop it.
    await expect.poll(() => client.exists(key('kiosk:c')), { timeout: 3_000, interval: 50 }).toBe(0);
    expect((await kiosks.spendSlot('kiosk:c', 300)).used).toBe(1);
  });

  it('keeps the pending sign-in and the budget in one key, each for as long as it is needed', async () => {
    await kiosks.spendSlot('kiosk:d', MINUTE_MS);
    expect(await kiosks.swapPending('kiosk:d', 'session-1', 10 * MINUTE_MS)).toBeNull();
    // The window's count survives the swap, and the sign-in the spend.
    expect((await kiosks.spendSlot('kiosk:d', MINUTE_MS)).used).toBe(2);
    expect(await kiosks.swapPending('kiosk:d', 'session-2', 10 * MINUTE_MS)).toBe('session-1');
    expect(await client.keys('{s}:*kiosk:d*')).toEqual([key('kiosk:d')]);
    // The pending sign-in's code outlives the window: the key lives as long as the code.
    expect(await client.pttl(key('kiosk:d'))).toBeGreaterThan(9 * MINUTE_MS);

    // A code shorter than the window: the key lives as long as the window, and keeps its count.
    await kiosks.spendSlot('kiosk:e', MINUTE_MS);
    await kiosks.swapPending('kiosk:e', 'session-3', 100);
    const ttl = await client.pttl(key('kiosk:e'));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(MINUTE_MS);
    expect((await kiosks.spendSlot('kiosk:e', MINUTE_MS)).used).toBe(2);
  });

  it('reads a pending sign-in as earlier versions stored it, with no window', async () => {
    await client.set(key('kiosk:f'), 'session-old', 'PX', 10 * MINUTE_MS);
    expect((await kiosks.spendSlot('kiosk:f', MINUTE_MS)).used).toBe(1);
    expect(await kiosks.swapPending('kiosk:f', 'session-new', 10 * MINUTE_MS)).toBe('session-old');
    expect(await kiosks.swapPending('kiosk:f', 'session-newer', 10 * MINUTE_MS)).toBe('session-new');
  });

  it('refuses at once (503) while Redis is away instead of waiting for it', async () => {
    const away = new Redis({ port: 1, lazyConnect: true, retryStrategy: () => null });
    try {
      await expect(new KioskRepository(away, '{s}').spendSlot('kiosk:g', MINUTE_MS)).rejects.toBeInstanceOf(
        ServiceUnavailableError,
      );
    } finally {
      away.disconnect();
    }
  });
});
