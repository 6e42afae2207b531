import { EventEmitter, once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatWheel, PING_SLICE, heartbeatTickMs } from './heartbeat-wheel';

const INTERVAL = 25_000;
const TIMEOUT = 20_000;
const TICK = heartbeatTickMs(INTERVAL, TIMEOUT);

/** An engine.io connection as the wheel sees one, with engine.io's own ping timer armed at open. */
class FakeConnection extends EventEmitter {
  readonly protocol: number = 4;
  readyState = 'open';
  hasRefreshedPingTimeout = true;
  pingIntervalTimer: unknown;
  /** When the wheel pinged it. */
  readonly pings: number[] = [];
  /** When engine.io's own timer would have. */
  readonly enginePings: number[] = [];
  readonly openedAt = Date.now();
  onPing: () => void = () => undefined;

  constructor(overrides: Partial<Record<'protocol' | 'readyState', unknown>> = {}) {
    super();
    Object.assign(this, overrides);
    this.pingIntervalTimer = setTimeout(() => this.enginePings.push(Date.now()), INTERVAL);
  }

  sendPacket(type: string): void {
    expect(type).toBe('ping');
    expect(this.hasRefreshedPingTimeout).toBe(false);
    this.pings.push(Date.now());
    this.onPing();
  }

  resetPingTimeout(): void {}

  /** What engine.io does when the pong comes. */
  pong(): void {
    (this.pingIntervalTimer as { refresh(): void }).refresh();
  }

  /** What engine.io does at close. */
  close(): void {
    this.readyState = 'closed';
    clearTimeout(this.pingIntervalTimer as NodeJS.Timeout);
    this.emit('close');
  }
}

describe('heartbeatTickMs', () => {
  it("is a second at Socket.IO's defaults, and finer for short intervals or timeouts", () => {
    expect(heartbeatTickMs(25_000, 20_000)).toBe(1_000);
    expect(heartbeatTickMs(1_500, 1_000)).toBe(60); // a 25th of the interval
    expect(heartbeatTickMs(600_000, 1_000)).toBe(250); // a quarter of the timeout
  });
});

describe('HeartbeatWheel', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000_000_123 }));
  afterEach(() => vi.useRealTimers());

  it('pings every connection that fell due within one tick at once, an interval after it opened, never sooner', () => {
    const wheel = new HeartbeatWheel(INTERVAL, TIMEOUT);
    const conns: FakeConnection[] = [];
    for (let i = 0; i < 200; i++) {
      const conn = new FakeConnection();
      expect(wheel.adopt(conn)).toBe(true);
      conns.push(conn);
      vi.advanceTimersByTime(7); // 200 connections over 1.4 s: two or three ticks
    }
    expect(wheel.size).toBe(200);
    vi.advanceTimersByTime(INTERVAL + TICK);

    for (const conn of conns) {
      expect(conn.pings).toHaveLength(1);
      expect(conn.pings[0] - conn.openedAt).toBeGreaterThanOrEqual(INTERVAL);
      expect(conn.pings[0] - conn.openedAt).toBeLessThanOrEqual(INTERVAL + TICK);
      expect(conn.enginePings).toEqual([]); // engine.io's own timer was stopped
    }
    // One moment per slice of a tick (three ticks at most), not one per connection.
    const moments = new Set(conns.map((c) => c.pings[0]));
    expect(moments.size).toBeLessThanOrEqual(3 * Math.ceil(conns.length / PING_SLICE));
  });

  it('pings again an interval after the pong, and not before it comes', () => {
    const wheel = new HeartbeatWheel(INTERVAL, TIMEOUT);
    const conn = new FakeConnection();
    wheel.adopt(conn);
    vi.advanceTimersByTime(INTERVAL + TICK);
    expect(conn.pings).toHaveLength(1);

    vi.advanceTimersByTime(3 * INTERVAL); // no pong: engine.io's pong deadline closes it, not the wheel
    expect(conn.pings).toHaveLength(1);

    conn.pong();
    const pongAt = Date.now();
    vi.advanceTimersByTime(INTERVAL + TICK);
    expect(conn.pings).toHaveLength(2);
    expect(conn.pings[1] - pongAt).toBeGreaterThanOrEqual(INTERVAL);
    expect(conn.pings[1] - pongAt).toBeLessThanOrEqual(INTERVAL + TICK);
  });

  it('keeps time by a monotonic clock: a wall clock set back an hour does not hold the pings back', () => {
    const wheel = new HeartbeatWheel(INTERVAL, TIMEOUT);
    const conn = new FakeConnection();
    wheel.adopt(conn);
    vi.advanceTimersByTime(INTERVAL / 2);
    vi.setSystemTime(Date.now() - 3_600_000);
    vi.advanceTimersByTime(INTERVAL / 2 + TICK);
    expect(conn.pings).toHaveLength(1);
  });

  it('lets go of a connection that closes: no ping, nothing kept, no timer left', () => {
    const wheel = new HeartbeatWheel(INTERVAL, TIMEOUT);
    const conn = new FakeConnection();
    wheel.adopt(conn);
    vi.advanceTimersByTime(INTERVAL / 2);
    conn.close();
    expect(wheel.size).toBe(0);
    vi.advanceTimersByTime(INTERVAL + TICK);
    expect(conn.pings).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets the event loop run between slices of a large tick', () => {
    const wheel = new HeartbeatWheel(INTERVAL, TIMEOUT);
    const conns = Array.from({ length: 1_200 }, () => new FakeConnection());
    for (const conn of conns) wheel.adopt(conn);
    let turned = false;
    conns[0].onPing = () => setImmediate(() => (turned = true));
    let turnedBeforeLast: boolean | undefined;
    conns[1_199].onPing = () => (turnedBeforeLast = turned);

    vi.advanceTimersByTime(INTERVAL + TICK);
    expect(conns.every((c) => c.pings.length === 1)).toBe(true);
    expect(turnedBeforeLast).toBe(true);
  });

  it('leaves to engine.io a connection it does not know: a protocol-3 client, a closed one, another shape', () => {
    const wheel = new HeartbeatWheel(INTERVAL, TIMEOUT);
    const v3 = new FakeConnection({ protocol: 3 });
    const closed = new FakeConnection({ readyState: 'closing' });
    const other = Object.assign(new FakeConnection(), { resetPingTimeout: undefined });
    for (const conn of [v3, closed, other, null, 'conn']) expect(wheel.adopt(conn)).toBe(false);
    expect(wheel.size).toBe(0);
    vi.advanceTimersByTime(INTERVAL);
    for (const conn of [v3, closed, other]) expect(conn.enginePings).toHaveLength(1);
  });
});

describe('HeartbeatWheel on the installed engine.io', () => {
  it('takes over its connections: pings a Socket.IO client, which stays connected, and lets go at close', async () => {
    const http = createServer();
    const server = new Server(http, { pingInterval: 200, pingTimeout: 400 });
    const wheel = new HeartbeatWheel(200, 400);
    const adopted: boolean[] = [];
    const conns: EventEmitter[] = [];
    server.engine.on('connection', (conn: EventEmitter) => {
      conns.push(conn);
      adopted.push(wheel.adopt(conn));
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const client = io(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'] });
    try {
      await new Promise<void>((resolve) => client.once('connect', resolve));
      expect(adopted).toEqual([true]);
      const pings: number[] = [];
      await new Promise<void>((resolve) => {
        client.io.on('ping', () => {
          pings.push(Date.now());
          if (pings.length === 3) resolve();
        });
      });
      for (let i = 1; i < pings.length; i++) expect(pings[i] - pings[i - 1]).toBeGreaterThanOrEqual(200 - 5);
      expect(client.connected).toBe(true);
      expect(wheel.size).toBe(1);

      const closed = once(conns[0], 'close');
      client.disconnect();
      await closed;
      expect(wheel.size).toBe(0);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
