import { EventEmitter } from 'node:events';
import type { INestApplicationContext } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { from, mergeAll, of, type Observable } from 'rxjs';
import type { Socket } from 'socket.io';
import { describe, expect, it, vi } from 'vitest';
import type { RedisClient } from '../repositories/redis-client';
import { RedisIoAdapter } from './redis-io.adapter';

/** What Nest's WebSocketsController hands the adapter: the handler's value, promise or observable as a stream. */
const transform = (result: unknown): Observable<unknown> =>
  from(Promise.resolve(result).then((r) => (r instanceof Promise || isObservable(r) ? r : of(r)))).pipe(mergeAll());

function isObservable(value: unknown): value is Observable<unknown> {
  return typeof (value as { subscribe?: unknown } | null)?.subscribe === 'function';
}

function adapter(): RedisIoAdapter {
  const redis = new EventEmitter() as unknown as RedisClient;
  return new RedisIoAdapter({} as INestApplicationContext, redis, redis, {
    channelKey: 'test',
    allowedOrigins: [],
    pingIntervalMs: 25_000,
    pingTimeoutMs: 20_000,
  });
}

/** A socket whose first `emit` resolves `emitted`; incoming messages are `receive`d. */
function fakeSocket() {
  const emitter = new EventEmitter();
  const first = called();
  const socket = {
    on: (event: string, listener: (...args: unknown[]) => void) => emitter.on(event, listener),
    emit: first.fn,
    listenerCount: (event: string) => emitter.listenerCount(event),
  };
  return {
    socket: socket as unknown as Socket,
    emitted: first.args,
    receive: (event: string, ...args: unknown[]) => emitter.emit(event, ...args),
  };
}

function handler(
  message: string,
  callback: (data: unknown, ack?: unknown) => unknown,
  isAckHandledManually = false,
): MessageMappingProperties {
  return { message, methodName: message, callback, isAckHandledManually } as MessageMappingProperties;
}

/** Resolves once `fn` has been called (the handler's answer goes through promises). */
function called(): { fn: (...args: unknown[]) => void; args: Promise<unknown[]> } {
  let resolve!: (args: unknown[]) => void;
  const args = new Promise<unknown[]>((r) => (resolve = r));
  return { fn: (...a: unknown[]) => resolve(a), args };
}

describe('RedisIoAdapter.bindMessageHandlers', () => {
  it('binds one plain listener per message and nothing else: no pipeline kept per socket', () => {
    const { socket } = fakeSocket();
    adapter().bindMessageHandlers(socket, [handler('a', () => 1), handler('b', () => 2)], transform);
    expect(socket.listenerCount('a')).toBe(1);
    expect(socket.listenerCount('b')).toBe(1);
    // Nest's own binding listens for `disconnect` to end each handler's stream.
    expect(socket.listenerCount('disconnect')).toBe(0);
  });

  it('hands the handler one argument as it came, and acknowledges with what the handler resolves to', async () => {
    const { socket, receive } = fakeSocket();
    const seen = vi.fn();
    adapter().bindMessageHandlers(
      socket,
      [
        handler('session:watch', (data) => {
          seen(data);
          return Promise.resolve({ ok: true });
        }),
      ],
      transform,
    );
    const ack = called();
    receive('session:watch', { id: 'abc' }, ack.fn);
    expect(await ack.args).toEqual([{ ok: true }]);
    expect(seen).toHaveBeenCalledWith({ id: 'abc' });
  });

  it('gives a message without an acknowledgement its payload, not an array of it', async () => {
    const { socket, receive } = fakeSocket();
    const seen = called();
    adapter().bindMessageHandlers(socket, [handler('session:unwatch', (data) => seen.fn(data))], transform);
    receive('session:unwatch', { id: 'abc' });
    expect(await seen.args).toEqual([{ id: 'abc' }]);
  });

  it('emits an `{ event, data }` answer instead of acknowledging it', async () => {
    const { socket, emitted, receive } = fakeSocket();
    adapter().bindMessageHandlers(socket, [handler('ping', () => ({ event: 'pong', data: 42 }))], transform);
    const ack = vi.fn();
    receive('ping', {}, ack);
    expect(await emitted).toEqual(['pong', 42]);
    expect(ack).not.toHaveBeenCalled();
  });

  it('sends no acknowledgement for a null answer, nor when the handler acknowledges by itself', async () => {
    const { socket, receive } = fakeSocket();
    const ackNull = vi.fn();
    const ackManual = vi.fn();
    const ackLast = called();
    adapter().bindMessageHandlers(
      socket,
      [handler('nothing', () => null), handler('manual', () => 'handled', true), handler('last', () => 'answered')],
      transform,
    );
    receive('nothing', {}, ackNull);
    receive('manual', {}, ackManual);
    // Answered through the same steps, after the two before it.
    receive('last', {}, ackLast.fn);
    expect(await ackLast.args).toEqual(['answered']);
    expect(ackNull).not.toHaveBeenCalled();
    expect(ackManual).not.toHaveBeenCalled();
  });
});
