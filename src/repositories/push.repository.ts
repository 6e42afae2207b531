import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import { Server } from 'socket.io';
import { FLEET_BATCH_MS, FLEET_NAMESPACE, FLEET_ROOM, FleetServerEvents, KioskServerEvents, sessionRoom } from '../domain/events';
import { kioskRoom } from '../domain/kiosk';
import { SessionView } from '../domain/session';
import { UpstreamReport } from '../domain/upstream';
import { guardPublish } from './publish-guard';
import type { RedisClient } from './redis-client';

/** What a push needs of a namespace, whether reached through the emitter or a Socket.IO server of its own. */
interface Rooms<Events> {
  to(room: string): {
    emit<E extends keyof Events & string>(event: E, ...args: Events[E] extends (...a: infer A) => void ? A : never): unknown;
  };
  in(room: string): { disconnectSockets(close?: boolean): void };
}

/** Sharded pub/sub (Redis Cluster): the channel prefix, and the clients to publish and subscribe with. */
export interface ShardedPush {
  channelPrefix: string;
  pub: RedisClient;
  sub: RedisClient;
}

/**
 * Sends pushes through Redis, so a change made in any process (a worker has no Socket.IO server of
 * its own for kiosks) reaches kiosks connected to any API process through their Redis adapter.
 *
 * On one Redis: `@socket.io/redis-emitter` (classic `PUBLISH`). On a Redis Cluster: a headless
 * Socket.IO server with the sharded adapter (`SPUBLISH`, Redis 7), the same adapter the API
 * processes listen with; the emitter only speaks classic pub/sub, which a Cluster copies to every
 * node.
 */
export class PushRepository implements OnApplicationShutdown {
  private readonly kiosks: Rooms<KioskServerEvents>;
  private readonly fleet: Rooms<FleetServerEvents>;
  private readonly server: Server | null = null;
  private readonly logger = new Logger(PushRepository.name);
  /** Session changes waiting for the next fleet push, newest view per session. */
  private fleetBatch = new Map<string, SessionView>();
  private fleetTimer: NodeJS.Timeout | null = null;

  constructor(redis: RedisClient, channelKey: string);
  constructor(sharded: ShardedPush);
  constructor(target: RedisClient | ShardedPush, channelKey?: string) {
    const onError = (err: unknown) =>
      this.logger.warn({ err: String(err) }, 'a push could not be published; kiosks get it when Redis is back');
    if ('channelPrefix' in target) {
      const server = new Server();
      server.adapter(
        createShardedAdapter(guardPublish(target.pub, onError), guardPublish(target.sub, onError), {
          channelPrefix: target.channelPrefix,
          subscriptionMode: 'dynamic',
        }),
      );
      this.server = server;
      this.kiosks = server.of('/');
      this.fleet = server.of(FLEET_NAMESPACE);
    } else {
      const publisher = guardPublish(target, onError);
      // Both shapes have the same `to(…).emit` and `in(…).disconnectSockets`; `Rooms` keeps the events typed.
      this.kiosks = new Emitter<KioskServerEvents>(publisher, { key: channelKey }) as unknown as Rooms<KioskServerEvents>;
      this.fleet = new Emitter<FleetServerEvents>(publisher, { key: channelKey }).of(
        FLEET_NAMESPACE,
      ) as unknown as Rooms<FleetServerEvents>;
    }
  }

  /** A new session: only the fleet hears of it (no kiosk can be watching an id it has not been given yet). */
  sessionCreated(view: SessionView): void {
    this.toFleet(view);
  }

  /** The kiosk watching the session hears at once; the fleet view with the next batch. */
  sessionChanged(view: SessionView): void {
    this.kiosks.to(sessionRoom(view.id)).emit('session:update', view);
    this.toFleet(view);
  }

  upstreamChanged(report: UpstreamReport): void {
    this.fleet.to(FLEET_ROOM).emit('fleet:upstream', report);
  }

  kiosksChanged(): void {
    this.fleet.to(FLEET_ROOM).emit('fleet:kiosks-changed');
  }

  /** Closes every connection of a kiosk, on whichever API process it is (revoked or re-enrolled). */
  disconnectKiosk(kioskId: string): void {
    this.kiosks.in(kioskRoom(kioskId)).disconnectSockets(true);
  }

  async onApplicationShutdown(): Promise<void> {
    this.flushFleet();
    await this.server?.close();
  }

  /**
   * The fleet view is for people: a quarter of a second late is live to them, and one push per batch
   * instead of one per change spares every process a Redis message per change (two or three per
   * sign-in), published and decoded again by every API process whether or not anyone is watching.
   */
  private toFleet(view: SessionView): void {
    this.fleetBatch.set(view.id, view);
    if (this.fleetTimer) return;
    this.fleetTimer = setTimeout(() => this.flushFleet(), FLEET_BATCH_MS);
    this.fleetTimer.unref();
  }

  private flushFleet(): void {
    if (this.fleetTimer) clearTimeout(this.fleetTimer);
    this.fleetTimer = null;
    if (this.fleetBatch.size === 0) return;
    const views = [...this.fleetBatch.values()];
    this.fleetBatch = new Map();
    this.fleet.to(FLEET_ROOM).emit('fleet:sessions', views);
  }
}
