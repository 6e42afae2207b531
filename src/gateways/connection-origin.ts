import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Server, Socket } from 'socket.io';
import type { AddressSource } from '../http/client-address';

/**
 * What a Socket.IO connection keeps of the HTTP request that opened it: the peer's address and the
 * two headers the gateways read when a namespace admits it (`X-Forwarded-For` behind a trusted
 * proxy, the kiosk's credential cookie). Shaped like the request as far as `clientAddressResolver`
 * reads one.
 */
export interface ConnectionOrigin extends AddressSource {
  headers: { 'x-forwarded-for'?: string | string[]; cookie?: string };
  socket: { remoteAddress?: string };
}

/** The part of an engine.io connection read here (`socket.conn`). */
interface EngineConnection {
  request: IncomingMessage | null;
  remoteAddress?: string;
}

const origins = new WeakMap<object, ConnectionOrigin>();

/** The stand-in response engine.io makes for a WebSocket upgrade; it keeps its request. */
interface UpgradeResponse {
  req: IncomingMessage | null;
}
const upgradeResponses = new WeakMap<IncomingMessage, UpgradeResponse>();

/**
 * Engine.io keeps the request that opened each connection for as long as it lives — its headers,
 * raw headers, parsed query and stream state — though nothing here reads it after the handshake,
 * and a fleet's kiosks stay connected all day. What the gateways need is copied out when the
 * connection opens and the request dropped, as Socket.IO's "Memory usage" guide does (`request =
 * null` on the engine's `connection` event; Socket.IO then builds `socket.handshake` without it:
 * no `headers`, `url` or `query` there, which nothing here reads).
 *
 * That alone frees nothing for a WebSocket connection: engine.io 6.6 also keeps the request in the
 * stand-in response it makes for the upgrade (for engine middlewares), which a `close` listener on
 * the TCP socket holds until the connection ends. A middleware notes that response, and it lets
 * go of the request too once the connection is open (it is not read after the handshake). A client
 * that starts with HTTP long-polling and upgrades later (not the kiosk page nor the fleet view,
 * which open WebSockets directly) keeps its upgrade request: that comes after `connection`.
 */
export function releaseUpgradeRequests(server: Server): void {
  server.engine.use((req: IncomingMessage, res: unknown, next: () => void) => {
    if (!(res instanceof ServerResponse)) upgradeResponses.set(req, res as UpgradeResponse);
    next();
  });
  server.engine.on('connection', (conn: EngineConnection) => {
    const req = conn.request;
    if (!req) return;
    origins.set(conn, originOf(req, conn.remoteAddress));
    const res = upgradeResponses.get(req);
    if (res) res.req = null;
    conn.request = null;
  });
}

/** Where a connection came from, whether or not its request was released. */
export function connectionOrigin(socket: Socket): ConnectionOrigin {
  const conn = socket.conn as unknown as EngineConnection;
  return origins.get(conn) ?? originOf(conn.request, conn.remoteAddress);
}

function originOf(req: IncomingMessage | null, remoteAddress: string | undefined): ConnectionOrigin {
  const headers: ConnectionOrigin['headers'] = {};
  const forwardedFor = req?.headers['x-forwarded-for'];
  if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
  const cookie = req?.headers.cookie;
  if (cookie !== undefined) headers.cookie = cookie;
  return { headers, socket: { remoteAddress: remoteAddress ?? req?.socket?.remoteAddress } };
}
