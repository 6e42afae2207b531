import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { z } from 'zod';
import { AppError } from '../domain/errors';
import { KioskClientEvents, KioskServerEvents, sessionRoom, WatchAck } from '../domain/events';
import { MetricsRepository } from '../repositories/metrics.repository';
import { SessionService } from '../services/session.service';

const watchSchema = z.object({ id: z.string().min(1).max(128) });

type KioskSocket = Socket<KioskClientEvents, KioskServerEvents>;

/**
 * Kiosks watch their session here. Updates reach the room `session:<id>` from whichever process
 * changed the session, through the Redis adapter (see `redis-io.adapter.ts`).
 */
@WebSocketGateway()
export class SessionGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(SessionGateway.name);

  constructor(
    private readonly sessions: SessionService,
    private readonly metrics: MetricsRepository,
  ) {}

  handleConnection(): void {
    this.metrics.socketConnections.inc({ namespace: '/' });
  }

  handleDisconnect(): void {
    this.metrics.socketConnections.dec({ namespace: '/' });
  }

  @SubscribeMessage('session:watch')
  async watch(@ConnectedSocket() socket: KioskSocket, @MessageBody() payload: unknown): Promise<WatchAck> {
    const input = watchSchema.safeParse(payload);
    if (!input.success) return invalid('session:watch needs {"id": string}');
    const room = sessionRoom(input.data.id);
    // Join before reading: a change that lands in between is then pushed, never lost.
    await socket.join(room);
    try {
      return { ok: true, session: await this.sessions.get(input.data.id) };
    } catch (err) {
      await socket.leave(room);
      if (err instanceof AppError) return { ok: false, error: { code: err.code, message: err.message } };
      this.logger.error({ err }, 'session:watch failed');
      return { ok: false, error: { code: 'internal_error', message: 'Something went wrong on our side' } };
    }
  }

  @SubscribeMessage('session:unwatch')
  async unwatch(@ConnectedSocket() socket: KioskSocket, @MessageBody() payload: unknown): Promise<void> {
    const input = watchSchema.safeParse(payload);
    if (input.success) await socket.leave(sessionRoom(input.data.id));
  }
}

function invalid(message: string): WatchAck {
  return { ok: false, error: { code: 'invalid_request', message } };
}
