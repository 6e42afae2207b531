import { Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { AppError, RateLimitedError } from '../domain/errors';
import { Caller } from '../domain/kiosk';
import { isRedisUnavailable } from '../repositories/redis.factory';

/** What a connection carries from its handshake on. */
export interface SocketState {
  caller: Caller;
  /** The connection holds a per-address slot (see `LimitsService.socketOpened`) to give back. */
  leased: boolean;
  watches: Set<string>;
}

export function stateOf(socket: Socket): SocketState | undefined {
  return (socket.data as { state?: SocketState }).state;
}

export function setState(socket: Socket, state: SocketState): void {
  (socket.data as { state?: SocketState }).state = state;
}

const logger = new Logger('Handshake');

/**
 * A refused handshake: the client's `connect_error` has the contract's error code as its message
 * (`kiosk_not_enrolled`, `rate_limited`, `unauthorized`, `unavailable`) and `{code, message}`
 * (plus `retryAfterS` when rate limited) as its `data`.
 */
export function handshakeError(err: unknown): Error {
  let code = 'internal_error';
  let message = 'Something went wrong on our side';
  const data: Record<string, unknown> = {};
  if (err instanceof AppError) {
    code = err.code;
    message = err.message;
    if (err instanceof RateLimitedError) data.retryAfterS = err.retryAfterS;
  } else if (isRedisUnavailable(err)) {
    code = 'unavailable';
    message = 'The service cannot reach its store; try again shortly';
  } else {
    logger.error({ err }, 'handshake failed');
  }
  return Object.assign(new Error(code), { data: { code, message, ...data } });
}
