import Redis from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { RateLimitRepository } from '../src/repositories/rate-limit.repository';
import { commandCalls } from './support/command-stats';
import { usePrivateRedis } from './support/private-redis';

/** The limits' shared windows (`RedisWindow`) against a real Redis: what they allow, and what a try costs. */
describe('RedisWindow', () => {
  const redis = usePrivateRedis();
  let client: Redis;
  let windows: RateLimitRepository;

  beforeAll(() => {
    client = redis.client;
    windows = new RateLimitRepository(client, '{w}');
  });

  it('allows the points of a window, then refuses until the window ends, shared by every process', async () => {
    const window = windows.window('shared', 3, 60);
    // Another process: its own client and window object, the same key in Redis.
    const other = new Redis(redis.url);
    try {
      await other.ping();
      const elsewhere = new RateLimitRepository(other, '{w}').window('shared', 3, 60);
      expect(await window.consume('kiosk-a')).toEqual({ allowed: true, retryAfterMs: 0, used: 1 });
      expect(await elsewhere.consume('kiosk-a')).toEqual({ allowed: true, retryAfterMs: 0, used: 2 });
      expect(await window.consume('kiosk-a')).toEqual({ allowed: true, retryAfterMs: 0, used: 3 });
      const refused = await elsewhere.consume('kiosk-a');
      expect(refused.allowed).toBe(false);
      expect(refused.used).toBe(4);
      expect(refused.retryAfterMs).toBeGreaterThan(50_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
      // The window is the key's life: it ends for everyone at once.
      const ttl = await client.pttl('{w}:limit:shared:kiosk-a');
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect((await window.consume('kiosk-b')).allowed).toBe(true);
      expect(await window.peek('kiosk-a')).toMatchObject({ allowed: false, used: 4 });
    } finally {
      other.disconnect();
    }
  });

  it('starts a new window once the last one has run out', async () => {
    const window = windows.window('short', 1, 1);
    expect((await window.consume('kiosk-c')).allowed).toBe(true);
    expect((await window.consume('kiosk-c')).allowed).toBe(false);
    // The key's expiry is the window's end: wait for Redis to drop it rather than for the clock.
    await expect.poll(() => client.exists('{w}:limit:short:kiosk-c'), { timeout: 3_000, interval: 50 }).toBe(0);
    expect(await window.consume('kiosk-c')).toEqual({ allowed: true, retryAfterMs: 0, used: 1 });
  });

  it('keeps a key that went over refused for the block time', async () => {
    const window = windows.window('blocking', 2, 10, 300);
    await window.consume('address-1');
    await window.consume('address-1');
    const over = await window.consume('address-1');
    expect(over.allowed).toBe(false);
    expect(over.retryAfterMs).toBeGreaterThan(200_000);
    const again = await window.consume('address-1');
    expect(again.allowed).toBe(false);
    expect(again.retryAfterMs).toBeGreaterThan(200_000);
  });

  it('gives a window to a key that has none, as the library does', async () => {
    await client.set('{w}:limit:stray:kiosk-d', '5');
    const window = windows.window('stray', 10, 60);
    expect(await window.consume('kiosk-d')).toEqual({ allowed: true, retryAfterMs: 0, used: 6 });
    expect(await client.pttl('{w}:limit:stray:kiosk-d')).toBeGreaterThan(50_000);
  });

  it('costs two commands on the first try of a window, four (as the library) on a later one', async () => {
    const window = windows.window('cost', 5, 60);
    await window.consume('warm-up'); // loads the script
    for (const [key, commands] of [
      ['kiosk-e', 2],
      ['kiosk-e', 4],
    ] as const) {
      const before = await commandCalls(client);
      await window.consume(key);
      const after = await commandCalls(client);
      // The script and SET NX (then INCRBY and PTTL), besides the first INFO.
      expect(after.total - before.total).toBe(1 + commands);
      expect(after.of('evalsha') - before.of('evalsha')).toBe(1);
    }
  });
});
