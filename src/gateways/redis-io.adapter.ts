import type { IncomingMessage } from 'node:http';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import type { RedisClient } from '../repositories/redis-client';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { guardPublish } from '../repositories/publish-guard';
import { releaseUpgradeRequests } from './connection-origin';
import { HeartbeatWheel } from './heartbeat-wheel';

export interface RedisIoOptions {
  /** The channels' prefix (the classic adapter's `key`, the sharded adapter's `channelPrefix`). */
  channelKey: string;
  /** Redis Cluster: sharded pub/sub (`SSUBSCRIBE`/`SPUBLISH`, one channel per room) instead of classic. */
  sharded?: boolean;
  allowedOrigins: string[];
  /** Engine.io's heartbeat: a ping to each connection this often, closed if its answer takes longer than the timeout. */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /**
   * After the subscriber connection came back (a Redis restart, a Sentinel failover) and is
   * subscribed again: pushes published while it was away never reached this process.
   */
  onResubscribed?: () => void;
}

/**
 * Socket.IO across processes: every API process subscribes to Redis, so a push published by any
 * process (including worker processes, through `@socket.io/redis-emitter`) reaches every kiosk.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly logger = new Logger(RedisIoAdapter.name);
  private readonly pub: RedisClient;

  constructor(
    app: INestApplicationContext,
    pub: RedisClient,
    private readonly sub: RedisClient,
    private readonly opts: RedisIoOptions,
  ) {
    super(app);
    this.pub = guardPublish(pub, (err) => this.logger.warn({ err: String(err) }, 'a Socket.IO message could not be published'));
    this.watchResubscription();
  }

  /**
   * ioredis subscribes again by itself when it reconnects (to the new master, after a failover),
   * before it says `ready`; a PING sent then is answered after those subscriptions, so from its
   * answer on every publish reaches this process, and only what came before must be made good.
   */
  private watchResubscription(): void {
    let dropped = false;
    this.sub.on('close', () => (dropped = true));
    this.sub.on('ready', () => {
      if (!dropped) return;
      dropped = false;
      this.sub
        .ping()
        .then(() => this.opts.onResubscribed?.())
        .catch(() => undefined); // dropped again: the next `ready` tries again
    });
  }

  /**
   * The socket's message handlers as plain listeners. Nest's own binding keeps an rxjs pipeline per
   * handler per socket for the connection's whole life (`fromEvent`, `mergeMap`, `takeUntil` of a
   * shared disconnect stream): about 10 KiB of heap per connected kiosk, half of what a socket
   * cost, for a fleet that keeps thousands of them open (bench/README.md). Each message is answered
   * as Nest answers it: through `transform` (the handler's value, promise or observable), with
   * `{ event, data }` emitted and anything else but null sent as the acknowledgement. A reply to a
   * socket that has gone is dropped by Socket.IO itself.
   */
  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      const event = String(message);
      socket.on(event, (...args: unknown[]) => {
        // What Nest's `fromEvent` would hand on: one argument as it is, several as an array.
        const payload: { data?: unknown; ack?: unknown } = this.mapPayload(args.length > 1 ? args : args[0]);
        const { data, ack } = payload;
        transform(callback(data, ack)).subscribe({
          next: (response) => {
            if (response === null || response === undefined) return;
            const reply = response as { event?: unknown; data?: unknown };
            if (typeof reply.event === 'string') socket.emit(reply.event, reply.data);
            else if (!isAckHandledManually && typeof ack === 'function') (ack as (r: unknown) => void)(response);
          },
          // Nest's exception filters answer a handler's errors; what gets here is a bug of ours.
          error: (err: unknown) => this.logger.error({ event, err: String(err) }, 'a socket message handler failed'),
        });
      });
    }
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...options,
      // The kiosk page and the fleet view bundle socket.io-client; nothing needs the server's copy.
      serveClient: false,
      pingInterval: this.opts.pingIntervalMs,
      pingTimeout: this.opts.pingTimeoutMs,
      allowRequest: (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) =>
        callback(null, originAllowed(req, this.opts.allowedOrigins)),
    }) as Server;
    if (this.opts.sharded) {
      const sub = guardPublish(this.sub, (err) => this.logger.warn({ err: String(err) }, 'a Socket.IO subscription failed'));
      server.adapter(createShardedAdapter(this.pub, sub, { channelPrefix: this.opts.channelKey, subscriptionMode: 'dynamic' }));
    } else {
      server.adapter(createAdapter(this.pub, this.sub, { key: this.opts.channelKey }));
    }
    releaseUpgradeRequests(server);
    this.batchHeartbeats(server);
    return server;
  }

  /** Engine.io's pings go out on one wheel per server instead of a timer per connection. */
  private batchHeartbeats(server: Server): void {
    const wheel = new HeartbeatWheel(this.opts.pingIntervalMs, this.opts.pingTimeoutMs);
    let warned = false;
    server.engine.on('connection', (conn: unknown) => {
      if (wheel.adopt(conn) || warned) return;
      warned = true;
      this.logger.warn(
        'engine.io connections are not what the heartbeat wheel knows (has engine.io changed?): each keeps its own ping timer',
      );
    });
  }
}

/**
 * Browsers always send `Origin` on a WebSocket handshake and do not apply CORS to it, so this is
 * the only thing between another web site and a connection made with the visitor's cookies
 * (cross-site WebSocket hijacking). Allowed: the configured origins (PUBLIC_URL's by default) and
 * a page served by this very host. No Origin at all is not a browser: kiosks' native clients,
 * scripts and tests, which carry no ambient cookies of a victim.
 */
export function originAllowed(req: IncomingMessage, allowed: string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
