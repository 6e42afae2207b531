/**
 * What the wheel drives of an engine.io connection. These members are engine.io's own (6.x,
 * `build/socket.js`: what its per-connection ping timer does when it fires), private in its
 * typings; `adopt` checks each one and leaves a connection it does not recognise to engine.io.
 */
export interface EngineConnection {
  readonly protocol: number;
  readonly readyState: string;
  /** Engine.io arms it at open, `refresh()`es it when a pong comes, clears it at close. */
  pingIntervalTimer: unknown;
  hasRefreshedPingTimeout: boolean;
  sendPacket(type: 'ping'): void;
  /** Arms the timer that closes the connection when the pong does not come within pingTimeout. */
  resetPingTimeout(): void;
  once(event: 'close', listener: () => void): unknown;
}

/** Pings sent in one go before the wheel lets the event loop run (polls, pongs) again. */
export const PING_SLICE = 64;

/**
 * The wheel's resolution: at most 1 s, a 25th of the interval (a ping is at most 4 % late) and a
 * quarter of the timeout (a late ping leaves the client's pong ¾ of the time it is given: a client
 * gives up after interval + timeout without a ping).
 */
export function heartbeatTickMs(intervalMs: number, timeoutMs: number): number {
  return Math.max(1, Math.floor(Math.min(1_000, intervalMs / 25, timeoutMs / 4)));
}

/**
 * Socket.IO's heartbeat for a whole fleet on one timer. Engine.io keeps a timer per connection and
 * pings each when its own timer fires, so 10,000 idle kiosks at 25 s are 400 pings a second, each
 * a write and then its pong's read on a turn of the event loop of their own. The wheel sends every
 * ping that fell due within the same tick together, and their pongs come back together: the same
 * packets for about half the CPU (bench/README.md, "December, twenty-fifth").
 *
 * A ping goes out as engine.io's would — an interval after the connection opened or its last pong
 * came — never sooner, and at most one tick later (`heartbeatTickMs`). The pong's deadline stays
 * engine.io's own.
 */
export class HeartbeatWheel {
  readonly tickMs: number;
  /** Tick k → the connections whose ping falls due in the tick that ends at k × tickMs, sent then. */
  private readonly slots = new Map<number, Set<EngineConnection>>();
  /** Every adopted open connection → the tick its ping is filed under; null while its pong is awaited. */
  private readonly slotOf = new Map<EngineConnection, number | null>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    timeoutMs: number,
  ) {
    this.tickMs = heartbeatTickMs(intervalMs, timeoutMs);
  }

  /** Open connections the wheel pings (those awaiting their pong included). */
  get size(): number {
    return this.slotOf.size;
  }

  /**
   * Takes a new connection's pings over from engine.io (its `connection` event, right after open).
   * False, and engine.io keeps pinging it, if it is not an open protocol-4 connection as the wheel
   * knows them (engine.io changed, or a protocol-3 client, where the client pings).
   */
  adopt(conn: unknown): boolean {
    if (!isEngineConnection(conn)) return false;
    clearTimeout(conn.pingIntervalTimer as NodeJS.Timeout);
    // Engine.io refreshes this when a pong comes and passes it to clearTimeout at close, where a
    // plain object is a no-op; the `close` listener takes the connection off the wheel.
    conn.pingIntervalTimer = { refresh: () => this.schedule(conn) };
    conn.once('close', () => {
      this.unschedule(conn);
      this.slotOf.delete(conn);
    });
    this.schedule(conn);
    return true;
  }

  private schedule(conn: EngineConnection): void {
    this.unschedule(conn);
    const tick = Math.ceil((now() + this.intervalMs) / this.tickMs);
    let slot = this.slots.get(tick);
    if (!slot) this.slots.set(tick, (slot = new Set()));
    slot.add(conn);
    this.slotOf.set(conn, tick);
    this.arm();
  }

  private unschedule(conn: EngineConnection): void {
    const tick = this.slotOf.get(conn);
    if (tick === undefined || tick === null) return;
    this.slotOf.set(conn, null);
    const slot = this.slots.get(tick);
    slot?.delete(conn);
    if (slot?.size === 0) this.slots.delete(tick);
  }

  /** One timer, at the start of the earliest tick that has a ping due; none while nothing is. */
  private arm(): void {
    if (this.timer || this.slots.size === 0) return;
    const next = Math.min(...this.slots.keys()) * this.tickMs;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - now()));
    // The connections keep the process alive, not their heartbeat.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    const current = Math.floor(now() / this.tickMs);
    const due: EngineConnection[] = [];
    for (const [tick, slot] of this.slots) {
      if (tick > current) continue;
      this.slots.delete(tick);
      for (const conn of slot) {
        this.slotOf.set(conn, null);
        due.push(conn);
      }
    }
    this.send(due, 0);
    this.arm();
  }

  private send(due: EngineConnection[], from: number): void {
    const end = Math.min(due.length, from + PING_SLICE);
    for (let i = from; i < end; i++) ping(due[i]);
    if (end < due.length) setImmediate(() => this.send(due, end));
  }
}

/**
 * A monotonic clock: with the wall clock, one set back would hold every ping back as long (and
 * kiosks give up after interval + timeout without one).
 */
function now(): number {
  return performance.now();
}

/** What engine.io's own ping timer does when it fires. */
function ping(conn: EngineConnection): void {
  if (conn.readyState !== 'open') return; // closed while its slice waited
  conn.hasRefreshedPingTimeout = false;
  conn.sendPacket('ping');
  conn.resetPingTimeout();
}

function isEngineConnection(conn: unknown): conn is EngineConnection {
  if (typeof conn !== 'object' || conn === null) return false;
  const c = conn as Record<string, unknown>;
  const timer = c.pingIntervalTimer as { refresh?: unknown } | null | undefined;
  return (
    c.protocol === 4 &&
    c.readyState === 'open' &&
    typeof c.hasRefreshedPingTimeout === 'boolean' &&
    typeof timer?.refresh === 'function' &&
    typeof c.sendPacket === 'function' &&
    typeof c.resetPingTimeout === 'function' &&
    typeof c.once === 'function'
  );
}
