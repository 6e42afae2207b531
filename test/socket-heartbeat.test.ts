import { describe, expect, it } from 'vitest';
import { KioskSocket } from './support/kiosk-socket';
import { useStack } from './support/stack';

const PING_INTERVAL_MS = 1_500;
const PING_TIMEOUT_MS = 1_000;

/** Engine.io's long-polling transport, spoken by hand: what a client that never answers a ping sees. */
function polling(base: string, sid?: string): string {
  return `${base}/socket.io/?EIO=4&transport=polling${sid ? `&sid=${sid}` : ''}`;
}

/** A new engine.io session over long-polling: its `open` packet (`0` and the handshake's JSON). */
async function openSession(base: string): Promise<{ sid: string; pingInterval: number; pingTimeout: number }> {
  const res = await fetch(polling(base));
  expect(res.status).toBe(200);
  const body = await res.text();
  expect(body[0]).toBe('0');
  return JSON.parse(body.slice(1)) as { sid: string; pingInterval: number; pingTimeout: number };
}

describe("Socket.IO's heartbeat (SOCKET_PING_INTERVAL_MS, SOCKET_PING_TIMEOUT_MS)", () => {
  const stack = useStack({
    env: { SOCKET_PING_INTERVAL_MS: String(PING_INTERVAL_MS), SOCKET_PING_TIMEOUT_MS: String(PING_TIMEOUT_MS) },
  });

  it('hands the configured interval and timeout to every client in the handshake', async () => {
    expect(await openSession(stack.service.url)).toMatchObject({ pingInterval: PING_INTERVAL_MS, pingTimeout: PING_TIMEOUT_MS });
  });

  it('pings at the configured interval and closes a connection whose answer does not come within the timeout', async () => {
    const base = stack.service.url;
    const open = await openSession(base);
    const opened = Date.now();
    // The long poll comes back with the server's first ping, a whole interval after the handshake.
    const ping = await (await fetch(polling(base, open.sid))).text();
    expect(ping).toBe('2');
    expect(Date.now() - opened).toBeGreaterThanOrEqual(PING_INTERVAL_MS - 50); // never sooner (50 ms: clock granularity)
    // No pong: the next poll is answered with the close that the timeout brings, and the session is gone.
    const closing = await (await fetch(polling(base, open.sid))).text();
    expect(closing).toBe('1');
    const gone = await fetch(polling(base, open.sid));
    expect(gone.status).toBe(400);
  });

  it('pings the kiosks whose pings fell due within one tick together, not each on a timer of its own', async () => {
    // 24 kiosks connecting 10 ms apart, over ≈ 240 ms: four or five of the service's ticks (60 ms,
    // a 25th of the interval). Each on its own timer, their first pings would come 10 ms apart.
    const KIOSKS = 24;
    const connecting: Array<Promise<KioskSocket>> = [];
    for (let i = 0; i < KIOSKS; i++) {
      connecting.push(KioskSocket.connect(stack.service.url));
      await new Promise((resolve) => setTimeout(resolve, 10)); // the kiosks' spacing, the test's input
    }
    const kiosks = await Promise.all(connecting);
    try {
      const firstPings = await Promise.all(
        kiosks.map((k) => new Promise<number>((resolve) => k.socket.io.once('ping', () => resolve(performance.now())))),
      );
      firstPings.sort((a, b) => a - b);
      // Pings of one tick leave the service in one go and arrive within a few ms of each other.
      let moments = 1;
      for (let i = 1; i < firstPings.length; i++) if (firstPings[i] - firstPings[i - 1] > 4) moments++;
      expect(moments).toBeLessThanOrEqual(KIOSKS / 2);
      expect(kiosks.every((k) => k.socket.connected)).toBe(true);
    } finally {
      for (const k of kiosks) k.close();
    }
  });

  it('keeps a kiosk that answers: its client takes the pair from the handshake and stays connected', async () => {
    const manager = stack.kiosk.socket.io;
    let pings = 0;
    await new Promise<void>((resolve) => {
      const onPing = () => {
        if (++pings < 3) return;
        manager.off('ping', onPing);
        resolve();
      };
      manager.on('ping', onPing);
    });
    expect(stack.kiosk.socket.connected).toBe(true);
  });
});
