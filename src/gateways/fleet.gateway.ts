import { Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { FLEET_NAMESPACE, FLEET_ROOM } from '../domain/events';
import { MetricsRepository } from '../repositories/metrics.repository';
import { FleetAuthService } from '../services/fleet-auth.service';
import { FleetService, FleetSnapshot } from '../services/fleet.service';

/**
 * The operators' live feed: every session change of the fleet, from whichever process made it
 * (`PushRepository` publishes to this namespace through Redis). Only sockets with a valid ticket
 * from the Basic-auth-protected fleet page get in.
 */
@WebSocketGateway({ namespace: FLEET_NAMESPACE })
export class FleetGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(FleetGateway.name);

  constructor(
    private readonly fleet: FleetService,
    private readonly auth: FleetAuthService,
    private readonly metrics: MetricsRepository,
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      if (this.auth.verify((socket.handshake.auth as { ticket?: unknown } | undefined)?.ticket)) return next();
      next(new Error('unauthorized'));
    });
  }

  async handleConnection(socket: Socket): Promise<void> {
    this.metrics.socketConnections.inc({ namespace: FLEET_NAMESPACE });
    await socket.join(FLEET_ROOM);
  }

  handleDisconnect(): void {
    this.metrics.socketConnections.dec({ namespace: FLEET_NAMESPACE });
  }

  @SubscribeMessage('fleet:snapshot')
  async snapshot(): Promise<FleetSnapshot | { error: { code: string; message: string } }> {
    try {
      return await this.fleet.snapshot();
    } catch (err) {
      this.logger.error({ err }, 'fleet snapshot failed');
      return { error: { code: 'unavailable', message: 'The fleet could not be read; retrying' } };
    }
  }
}
