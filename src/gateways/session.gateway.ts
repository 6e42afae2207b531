import { Inject, Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { AppError, RateLimitedError } from '../domain/errors';
import { KioskClientEvents, KioskServerEvents, sessionRoom, WatchAck } from '../domain/events';
import { kioskRoom } from '../domain/kiosk';
import { toView } from '../domain/session';
import { clientAddressResolver } from '../http/client-address';
import { MetricsRepository } from '../repositories/metrics.repository';
import { KioskAccessService } from '../services/kiosk-access.service';
import { KioskSessionService } from '../services/kiosk-session.service';
import { LimitsService } from '../services/limits.service';
import { SessionStore } from '../services/session.store';
import { handshakeError, setState, stateOf } from './handshake';
import { connectionOrigin } from './connection-origin';

const watchSchema = z.object({ id: z.string().min(1).max(128) });

type KioskSocket = Socket<KioskClientEvents, KioskServerEvents>;

/** How long a refused connection should wait: leases of closed connections free up within a minute. */
const SOCKET_RETRY_MS = 60_000;
const RESYNC_BATCH = 500;
const RESYNC_ATTEMPTS = 10;
const RESYNC_RETRY_MS = 1_000;

/**
 * Kiosks watch their session here. Updates reach the room `session:<id>` from whichever process
 * changed the session, through the Redis adapter (see `redis-io.adapter.ts`). The handshake
 * decides who the kiosk is (its credential cookie) and whether its address has a free slot.
 */
@WebSocketGateway()
export class SessionGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(SessionGateway.name);
  private readonly addressOf: ReturnType<typeof clientAddressResolver>;
  @WebSocketServer() private readonly server!: Server<KioskClientEvents, KioskServerEvents>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly sessions: KioskSessionService,
    private readonly access: KioskAccessService,
    private readonly limits: LimitsService,
    private readonly metrics: MetricsRepository,
    private readonly store: SessionStore,
  ) {
    this.addressOf = clientAddressResolver(config.security.trustProxy);
  }

  afterInit(server: Server): void {
    server.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (err: unknown) => next(handshakeError(err)),
      );
    });
  }

  /** Identity first (a refused kiosk takes no slot), then a per-address connection slot. */
  private async admit(socket: Socket): Promise<void> {
    const origin = connectionOrigin(socket);
    const address = this.addressOf(origin);
    const { caller } = await this.access.resolve(address, origin.headers.cookie);
    if (!(await this.limits.socketOpened(address, socket.id))) {
      throw new RateLimitedError('Too many connections from this address', SOCKET_RETRY_MS);
    }
    setState(socket, { caller, leased: true, watches: new Set() });
  }

  async handleConnection(socket: KioskSocket): Promise<void> {
    this.metrics.socketConnections.inc({ namespace: '/' });
    const kiosk = stateOf(socket)?.caller.kiosk;
    // Revoking the kiosk disconnects this room on every API process.
    if (kiosk) await socket.join(kioskRoom(kiosk.kioskId));
  }

  async handleDisconnect(socket: KioskSocket): Promise<void> {
    this.metrics.socketConnections.dec({ namespace: '/' });
    const state = stateOf(socket);
    if (state?.leased) await this.limits.socketClosed(state.caller.address, socket.id).catch(() => undefined);
  }

  /**
   * Pushes the current state of every session watched on this process, to this process's sockets
   * only. Called once the Redis subscriber is back (a restart, a Sentinel failover): changes
   * published while it was away never arrived, and kiosks, still connected, would not ask again.
   */
  async resync(): Promise<void> {
    const prefix = sessionRoom('');
    const rooms = [...this.server.of('/').adapter.rooms.keys()].filter((room) => room.startsWith(prefix));
    try {
      for (let i = 0; i < rooms.length; i += RESYNC_BATCH) {
        const ids = rooms.slice(i, i + RESYNC_BATCH).map((room) => room.slice(prefix.length));
        const records = await this.readWithRetries(ids);
        for (const record of records) this.server.local.to(sessionRoom(record.id)).emit('session:update', toView(record));
      }
      this.logger.log({ sessions: rooms.length }, 'pushed the watched sessions again after Redis came back');
    } catch (err) {
      this.logger.warn(
        { err: String(err) },
        'could not push the watched sessions again; kiosks see changes from their next push',
      );
    }
  }

  /** The subscriber may be back before the command connection is: try again for a while. */
  private async readWithRetries(ids: string[]) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.getMany(ids);
      } catch (err) {
        if (attempt >= RESYNC_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, RESYNC_RETRY_MS));
      }
    }
  }

  @SubscribeMessage('session:watch')
  async watch(@ConnectedSocket() socket: KioskSocket, @MessageBody() payload: unknown): Promise<WatchAck> {
    const input = watchSchema.safeParse(payload);
    if (!input.success) return failed('invalid_request', 'session:watch needs {"id": string}');
    const state = stateOf(socket);
    if (!state) return failed('internal_error', 'Something went wrong on our side');
    const id = input.data.id;
    if (!state.watches.has(id) && state.watches.size >= this.limits.watchesPerSocket) {
      return failed('rate_limited', `At most ${this.limits.watchesPerSocket} watches per connection; unwatch one first`);
    }
    const room = sessionRoom(id);
    try {
      await this.access.assertStillEnrolled(state.caller.kiosk);
      // Whose it is is settled before joining, so not one push of another kiosk's session gets here.
      // Without enrollment any caller may watch any session: there is nothing to settle.
      if (this.sessions.ownedByKiosks) await this.sessions.get(id, state.caller);
      // Join, then read: a change that lands in between is pushed, never lost.
      await socket.join(room);
      const session = await this.sessions.get(id, state.caller);
      state.watches.add(id);
      return { ok: true, session };
    } catch (err) {
      await socket.leave(room);
      if (err instanceof AppError) return failed(err.code, err.message);
      this.logger.error({ err }, 'session:watch failed');
      return failed('internal_error', 'Something went wrong on our side');
    }
  }

  @SubscribeMessage('session:unwatch')
  async unwatch(@ConnectedSocket() socket: KioskSocket, @MessageBody() payload: unknown): Promise<void> {
    const input = watchSchema.safeParse(payload);
    if (!input.success) return;
    stateOf(socket)?.watches.delete(input.data.id);
    await socket.leave(sessionRoom(input.data.id));
  }
}

function failed(code: string, message: string): WatchAck {
  return { ok: false, error: { code, message } };
}
