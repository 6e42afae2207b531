import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FLEET_BATCH_MS } from '../domain/events';
import { SessionStatus, SessionView, toView } from '../domain/session';
import { PushRepository } from './push.repository';
import type { RedisClient } from './redis-client';
import { sessionRecord } from '../testing/session-record';

/** A Redis client that only records what Socket.IO's emitter publishes. */
function recordingRedis(): { redis: RedisClient; published: Array<{ channel: string; message: Buffer }> } {
  const published: Array<{ channel: string; message: Buffer }> = [];
  const redis = {
    publish: (channel: string, message: Buffer) => {
      published.push({ channel, message: Buffer.from(message) });
      return Promise.resolve(0);
    },
  };
  return { redis: redis as unknown as RedisClient, published };
}

const view = (id: string, status: SessionStatus): SessionView => toView(sessionRecord(id, status));

const A = 'AAAAAAAAAAAAAAAAAAAAAA';
const B = 'BBBBBBBBBBBBBBBBBBBBBB';
const FLEET_CHANNEL = '{kiosk}:socket.io#/admin#fleet#';

describe('PushRepository', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pushes to the kiosk at once and to the fleet once per batch, with each session’s newest view', () => {
    const { redis, published } = recordingRedis();
    const push = new PushRepository(redis, '{kiosk}:socket.io');
    push.sessionCreated(view(A, 'pending'));
    push.sessionChanged(view(A, 'authorized'));
    push.sessionChanged(view(B, 'denied'));

    // The kiosks' rooms hear every change right away; the fleet nothing yet.
    expect(published.map((p) => p.channel)).toEqual([`{kiosk}:socket.io#/#session:${A}#`, `{kiosk}:socket.io#/#session:${B}#`]);

    vi.advanceTimersByTime(FLEET_BATCH_MS);
    const fleet = published.filter((p) => p.channel === FLEET_CHANNEL);
    expect(fleet).toHaveLength(1);
    const message = fleet[0].message.toString('latin1');
    expect(message).toContain('fleet:sessions');
    for (const text of [A, B, 'authorized', 'denied']) expect(message).toContain(text);
    expect(message).not.toContain('pending'); // A's first view was replaced by its newest

    // Nothing more until the next change; then a batch of its own.
    vi.advanceTimersByTime(10 * FLEET_BATCH_MS);
    expect(published.filter((p) => p.channel === FLEET_CHANNEL)).toHaveLength(1);
    push.sessionChanged(view(B, 'expired'));
    vi.advanceTimersByTime(FLEET_BATCH_MS);
    expect(published.filter((p) => p.channel === FLEET_CHANNEL)).toHaveLength(2);
  });

  it('sends what it gathered when the process shuts down', async () => {
    const { redis, published } = recordingRedis();
    const push = new PushRepository(redis, '{kiosk}:socket.io');
    push.sessionCreated(view(A, 'pending'));
    await push.onApplicationShutdown();
    expect(published.filter((p) => p.channel === FLEET_CHANNEL)).toHaveLength(1);
  });
});
