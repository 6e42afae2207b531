import { Logger } from '@nestjs/common';
import { Emitter } from '@socket.io/redis-emitter';
import Redis from 'ioredis';
import { FLEET_NAMESPACE, FLEET_ROOM, FleetServerEvents, KioskServerEvents, sessionRoom } from '../domain/events';
import { kioskRoom } from '../domain/kiosk';
import { SessionView } from '../domain/session';
import { UpstreamReport } from '../domain/upstream';
import { guardPublish } from './publish-guard';

/**
 * Sends pushes through Redis, so a change made in any process (a worker has no Socket.IO server)
 * reaches kiosks connected to any API process via their `@socket.io/redis-adapter`.
 */
export class PushRepository {
  private readonly kiosks: Emitter<KioskServerEvents>;
  private readonly fleet: Emitter<FleetServerEvents>;

  private readonly logger = new Logger(PushRepository.name);

  constructor(redis: Redis, channelKey: string) {
    const publisher = guardPublish(redis, (err) =>
      this.logger.warn({ err: String(err) }, 'a push could not be published; kiosks get it when Redis is back'),
    );
    this.kiosks = new Emitter<KioskServerEvents>(publisher, { key: channelKey });
    this.fleet = new Emitter<FleetServerEvents>(publisher, { key: channelKey }).of(FLEET_NAMESPACE);
  }

  /** A new session: only the fleet hears of it (no kiosk can be watching an id it has not been given yet). */
  sessionCreated(view: SessionView): void {
    this.fleet.to(FLEET_ROOM).emit('fleet:session', view);
  }

  sessionChanged(view: SessionView): void {
    this.kiosks.to(sessionRoom(view.id)).emit('session:update', view);
    this.fleet.to(FLEET_ROOM).emit('fleet:session', view);
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
}
