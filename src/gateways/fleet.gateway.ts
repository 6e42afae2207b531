import { Inject, Logger, OnApplicationShutdown } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { RateLimitedError, UnauthorizedError } from '../domain/errors';
import { FleetStats, FLEET_NAMESPACE, FLEET_ROOM } from '../domain/events';
import { clientAddressResolver } from '../http/client-address';
import { MetricsRepository } from '../repositories/metrics.repository';
import { KioskView } from '../domain/kiosk';
import { EnrollmentService } from '../services/enrollment.service';
import { FleetAuthService } from '../services/fleet-auth.service';
import { FLEET_STATS_EVERY_MS, FleetStatsService } from '../services/fleet-stats.service';
import { FleetService, FleetSnapshot } from '../services/fleet.service';
import { LimitsService } from '../services/limits.service';
import { handshakeError, setState, stateOf } from './handshake';
import { connectionOrigin } from './connection-origin';

/**
 * The operators' live feed: every session change of the fleet, from whichever process made it
 * (`PushRepository` publishes to this namespace through Redis). Only sockets with a valid ticket
 * from the Basic-auth-protected fleet page get in; forged tickets count as failed operator
 * authentication for the address (slowed down, then refused).
 */
@WebSocketGateway({ namespace: FLEET_NAMESPACE })
export class FleetGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown {
  private readonly logger = new Logger(FleetGateway.name);
  private readonly addressOf: ReturnType<typeof clientAddressResolver>;
  private statsTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly fleet: FleetService,
    private readonly auth: FleetAuthService,
    private readonly limits: LimitsService,
    private readonly enrollment: EnrollmentService,
    private readonly metrics: MetricsRepository,
    private readonly stats: FleetStatsService,
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
    // Each API process feeds only its own sockets (`local`): the charts' data is the same everywhere.
    this.statsTimer = setInterval(() => {
      if (namespace.sockets.size === 0) return;
      this.stats.stats().then(
        (stats) => namespace.local.to(FLEET_ROOM).emit('fleet:stats', stats),
        (err: unknown) => this.logger.warn({ err: String(err) }, 'fleet stats failed'),
      );
    }, FLEET_STATS_EVERY_MS);
    this.statsTimer.unref();
  }

  onApplicationShutdown(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
  }

  private async admit(socket: Socket): Promise<void> {
    const address = this.addressOf(connectionOrigin(socket));
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

  /** The charts' data and the provider's status, on connect; then pushed every few seconds. */
  @SubscribeMessage('fleet:stats')
  async fleetStats(): Promise<FleetStats | { error: { code: string; message: string } }> {
    try {
      return await this.stats.stats();
    } catch (err) {
      this.logger.error({ err }, 'fleet stats failed');
      return { error: { code: 'unavailable', message: 'The fleet statistics could not be read; retrying' } };
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
