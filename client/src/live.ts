/**
 * The kiosk's live link: one Socket.IO connection (WebSocket only — no long-polling fallback,
 * so the kiosk never polls), `session:watch` with an acknowledgement, `session:update` pushes.
 * socket.io-client reconnects by itself; on every (re)connect the caller watches again and takes
 * the state from the ack, so no change made while offline is lost.
 */
import { io, type Socket } from 'socket.io-client';
import { parseSessionView, parseWatchAck, type SessionView, type WatchAck } from './session';

/** Payloads from the server are `unknown` until parsed. */
interface ServerToClient {
  'session:update': (view: unknown) => void;
}
interface ClientToServer {
  'session:watch': (req: { id: string }, ack: (res: unknown) => void) => void;
  'session:unwatch': (req: { id: string }) => void;
}

export interface LiveHandlers {
  connected(): void;
  /** The handshake was refused because this kiosk is not enrolled (or was revoked). */
  refused(): void;
  disconnected(): void;
  update(view: SessionView): void;
  ack(id: string, ack: WatchAck): void;
}

export interface Live {
  /** Ask for pushes about a session; the ack carries its current state. No-op while offline. */
  watch(id: string): void;
  unwatch(id: string): void;
  /** Closes the link for good (no reconnecting). */
  close(): void;
}

const ACK_TIMEOUT_MS = 10_000;
const RETRY_MS = 10_000;

export interface LiveOptions {
  /** The service's address; the page's own by default. */
  url?: string;
  ackTimeoutMs?: number;
}

export function connectLive(h: LiveHandlers, opts: LiveOptions = {}): Live {
  const socketOpts = { transports: ['websocket'] };
  const socket: Socket<ServerToClient, ClientToServer> = opts.url ? io(opts.url, socketOpts) : io(socketOpts);
  const ackTimeoutMs = opts.ackTimeoutMs ?? ACK_TIMEOUT_MS;
  let retry: ReturnType<typeof setTimeout> | undefined;

  // socket.io-client gives up after a refused handshake or a server-side disconnect; a kiosk must not.
  const keepTrying = (why: unknown) => {
    if (socket.active || retry !== undefined) return;
    console.warn('kiosk: connection closed by the server, retrying', why);
    retry = setTimeout(() => {
      retry = undefined;
      socket.connect();
    }, RETRY_MS);
  };

  socket.on('connect', () => h.connected());
  socket.on('disconnect', (reason) => {
    h.disconnected();
    // Closed by the server (this kiosk revoked or enrolled anew, or the service stopping): ask again at
    // once, so a refusal shows without delay; a refused handshake then waits RETRY_MS between tries.
    if (reason === 'io server disconnect') socket.connect();
    else keepTrying(reason);
  });
  socket.on('connect_error', (err) => {
    h.disconnected();
    if (err.message === 'kiosk_not_enrolled') h.refused();
    keepTrying(err);
  });
  socket.on('session:update', (payload) => {
    const view = parseSessionView(payload);
    if (view) h.update(view);
    else console.warn('kiosk: ignored malformed session:update', payload);
  });

  return {
    watch(id) {
      // While offline the 'connect' handler watches; emitting now would only queue a duplicate.
      if (!socket.connected) return;
      socket.timeout(ackTimeoutMs).emit('session:watch', { id }, (err, payload) => {
        if (err) {
          console.warn('kiosk: session:watch not acknowledged, connecting again', id, err);
          // A link that seems up but carries nothing (a network that dropped it silently) would
          // otherwise wait for the heartbeat to give up on it while a person waits at the kiosk.
          // Closing the transport makes socket.io-client reconnect; the 'connect' handler watches again.
          if (socket.connected) socket.io.engine.close();
          return;
        }
        const ack = parseWatchAck(payload);
        if (ack) h.ack(id, ack);
        else console.warn('kiosk: ignored malformed session:watch ack', payload);
      });
    },
    unwatch(id) {
      if (socket.connected) socket.emit('session:unwatch', { id });
    },
    close() {
      clearTimeout(retry);
      socket.off('disconnect');
      socket.off('connect_error');
      socket.disconnect();
    },
  };
}
