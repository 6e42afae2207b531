import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectLive, type Live, type LiveHandlers } from './live';
import type { WatchAck } from './session';

const NOT_FOUND: WatchAck = { ok: false, error: { code: 'not_found', message: 'No such session' } };

/** A Socket.IO server whose `session:watch` answers as `answer` says, per connection (1, 2, …). */
async function server(answer: (connection: number) => boolean) {
  const http = createServer();
  const io = new Server(http);
  let connections = 0;
  io.on('connection', (socket) => {
    const n = ++connections;
    socket.on('session:watch', (_req: unknown, ack: (res: WatchAck) => void) => {
      if (answer(n)) ack(NOT_FOUND);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}

/** A kiosk's live link that watches `id` on every (re)connect, as the page does; resolves with the first ack. */
function watching(url: string, id: string, ackTimeoutMs: number): { live: Live; acked: Promise<[string, WatchAck]> } {
  let live!: Live;
  const acked = new Promise<[string, WatchAck]>((resolve) => {
    const h: LiveHandlers = {
      connected: () => live.watch(id),
      refused: () => undefined,
      disconnected: () => undefined,
      update: () => undefined,
      ack: (watched, ack) => resolve([watched, ack]),
    };
    live = connectLive(h, { url, ackTimeoutMs });
  });
  return { live, acked };
}

describe('connectLive', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    vi.restoreAllMocks();
  });

  it('connects again when a watch goes unacknowledged, and watches on the new connection', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    // The first connection takes the watch and never answers: a link that looks up and carries nothing.
    const srv = await server((connection) => connection > 1);
    cleanup.push(srv.close);
    const { live, acked } = watching(srv.url, 'abc', 200);
    cleanup.push(() => live.close());
    expect(await acked).toEqual(['abc', NOT_FOUND]);
    expect(srv.connections()).toBe(2);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/not acknowledged/), 'abc', expect.anything());
  });

  it('keeps a connection whose watches are answered', async () => {
    const srv = await server(() => true);
    cleanup.push(srv.close);
    const { live, acked } = watching(srv.url, 'abc', 200);
    cleanup.push(() => live.close());
    expect(await acked).toEqual(['abc', NOT_FOUND]);
    expect(srv.connections()).toBe(1);
  });
});
