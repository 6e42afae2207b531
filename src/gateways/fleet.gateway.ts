import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { RateLimitedError, UnauthorizedError } from '../domain/errors';
import { FLEET_NAMESPACE, FLEET_ROOM } from '../domain/events';
import { clientAddressResolver } from '../http/client-address';
import { MetricsRepository } from '../repositories/metrics.repository';
import { KioskView } from '../domain/kiosk';
import { EnrollmentService } from '../services/enrollment.service';
import { FleetAuthService } from '../services/fleet-auth.service';
import { FleetService, FleetSnapshot } from '../services/fleet.service';
import { LimitsService } from '../services/limits.service';
import { handshakeError, setState, stateOf } from './handshake';

/**
 * The operators' live feed: every session change of the fleet, from whichever process made it
 * (`PushRepository` publishes to this namespace through Redis). Only sockets with a valid ticket
 * from the Basic-auth-protected fleet page get in; forged tickets count as failed operator
 * authentication for the address (slowed down, then refused).
 */
@WebSocketGateway({ namespace: FLEET_NAMESPACE })
export class FleetGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(FleetGateway.name);
  private readonly addressOf: ReturnType<typeof clientAddressResolver>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly fleet: FleetService,
    private readonly auth: FleetAuthService,
    private readonly limits: LimitsService,
    private readonly enrollment: EnrollmentService,
    private readonly metrics: MetricsRepository,
  ) {
    this.addressOf = clientAddressResolver(config.security.trustProxy);
  }

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (err: unknown) => next(handshakeError(err)),
      );
    });
  }

  private async admit(socket: Socket): Promise<void> {
    const address = this.addressOf(socket.request);
    await this.limits.assertAuthAllowed('fleet-ticket', address);
    const ticket = (socket.handshake.auth as { ticket?: unknown } | undefined)?.ticket;
    if (!this.auth.verify(ticket)) {
      if (ticket !== undefined) await this.limits.authFailed('fleet-ticket', address);
      throw new UnauthorizedError('A valid fleet ticket is required');
    }
    if (!(await this.limits.socketOpened(address, socket.id))) {
      throw new RateLimitedError('Too many connections from this address', 60_000);
    }
    setState(socket, { caller: { address, kiosk: null }, leased: true, watches: new Set() });
  }

  async handleConnection(socket: Socket): Promise<void> {
    this.metrics.socketConnections.inc({ namespace: FLEET_NAMESPACE });
    await socket.join(FLEET_ROOM);
  }

  async handleDisconnect(socket: Socket): Promise<void> {
    this.metrics.socketConnections.dec({ namespace: FLEET_NAMESPACE });
    const state = stateOf(socket);
    if (state?.leased) await this.limits.socketClosed(state.caller.address, socket.id).catch(() => undefined);
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

  /** The enrolled kiosks, for the fleet view's list (over the socket: the page never polls HTTP). */
  @SubscribeMessage('fleet:kiosks')
  async kiosks(): Promise<{ kiosks: KioskView[] } | { error: { code: string; message: string } }> {
    try {
      return { kiosks: await this.enrollment.list() };
    } catch (err) {
      this.logger.error({ err }, 'kiosk list failed');
      return { error: { code: 'unavailable', message: 'The kiosks could not be read; retrying' } };
    }
  }
}
