import { createServer, ServerResponse, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { clientAddressResolver } from '../http/client-address';
import { connectionOrigin, releaseUpgradeRequests, type ConnectionOrigin } from './connection-origin';

interface Seen {
  origin: ConnectionOrigin;
  socket: Socket;
}

let http: HttpServer;
let server: Server;
const clients: ClientSocket[] = [];

/** A Socket.IO server on a free loopback port; each namespace reports what its middleware saw. */
async function start(
  release: boolean,
  namespaces: string[],
): Promise<{ url: string; seen: Map<string, Promise<Seen>>; responses: Array<{ req: unknown }> }> {
  http = createServer();
  server = new Server(http);
  if (release) releaseUpgradeRequests(server);
  // What engine.io hands its middlewares as the response: for a WebSocket upgrade, its stand-in.
  const responses: Array<{ req: unknown }> = [];
  server.engine.use((_req: unknown, res: { req: unknown }, next: () => void) => {
    responses.push(res);
    next();
  });
  const seen = new Map<string, Promise<Seen>>();
  for (const name of namespaces) {
    seen.set(
      name,
      new Promise<Seen>((resolve) =>
        server.of(name).use((socket, next) => {
          resolve({ origin: connectionOrigin(socket), socket });
          next();
        }),
      ),
    );
  }
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, seen, responses };
}

function client(url: string, transports: string[]): ClientSocket {
  const socket = connect(url, {
    transports,
    forceNew: false,
    extraHeaders: { 'x-forwarded-for': '203.0.113.7', cookie: 'kiosk_credential=abc' },
  });
  clients.push(socket);
  return socket;
}

const connected = (socket: ClientSocket) => new Promise<void>((resolve) => socket.once('connect', () => resolve()));

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
});

describe('releaseUpgradeRequests', () => {
  it.each([['websocket'], ['polling']])(
    'drops the request that opened a %s connection and keeps its address and the two headers read later',
    async (transport) => {
      const { url, seen, responses } = await start(true, ['/']);
      const kiosk = client(url, [transport]);
      await connected(kiosk);
      const { origin, socket } = await seen.get('/')!;
      expect(socket.request).toBeNull();
      // Nor does the upgrade's stand-in response keep it (it lives as long as the TCP socket);
      // a polling request's real response is left alone.
      expect(responses.length).toBeGreaterThan(0);
      for (const res of responses) {
        if (transport === 'websocket') expect(res.req).toBeNull();
        else expect(res).toBeInstanceOf(ServerResponse);
      }
      expect(origin).toEqual({
        headers: { 'x-forwarded-for': '203.0.113.7', cookie: 'kiosk_credential=abc' },
        socket: { remoteAddress: '127.0.0.1' },
      });
      // The caller's address reads as from the request itself: the peer, or behind a trusted proxy the forwarded one.
      expect(clientAddressResolver(false)(origin)).toBe('127.0.0.1');
      expect(clientAddressResolver(['loopback'])(origin)).toBe('203.0.113.7');
      // The connection still works after the handshake.
      const echoed = new Promise((resolve) => socket.on('ping-me', (value: unknown) => resolve(value)));
      kiosk.emit('ping-me', 42);
      expect(await echoed).toBe(42);
    },
  );

  it('gives a second namespace on the same connection the same origin', async () => {
    const { url, seen } = await start(true, ['/', '/admin']);
    const first = client(url, ['websocket']);
    await connected(first);
    // Same manager (forceNew: false): the second namespace shares the engine.io connection.
    const second = client(`${url}/admin`, ['websocket']);
    await connected(second);
    const [a, b] = await Promise.all([seen.get('/')!, seen.get('/admin')!]);
    expect(b.socket.conn).toBe(a.socket.conn);
    expect(b.origin).toEqual(a.origin);
    expect(b.origin.headers.cookie).toBe('kiosk_credential=abc');
  });

  it('reads the request itself where it was not released', async () => {
    const { url, seen, responses } = await start(false, ['/']);
    await connected(client(url, ['websocket']));
    const { origin, socket } = await seen.get('/')!;
    expect(socket.request).not.toBeNull();
    expect(responses[0].req).toBe(socket.request);
    expect(origin.headers).toEqual({ 'x-forwarded-for': '203.0.113.7', cookie: 'kiosk_credential=abc' });
    expect(origin.socket.remoteAddress).toBe('127.0.0.1');
  });
});
