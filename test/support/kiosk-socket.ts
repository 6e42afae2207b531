import { io, Socket } from 'socket.io-client';
import type { WatchAck } from '../../src/domain/events';
import type { SessionView } from '../../src/domain/session';

/** A kiosk's Socket.IO connection, recording every push it receives. */
export class KioskSocket {
  readonly updates: SessionView[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('session:update', (view: SessionView) => {
      this.updates.push(view);
      for (const w of this.waiters) w();
    });
  }

  static connect(url: string, opts: { transports?: string[] } = {}): Promise<KioskSocket> {
    const socket = io(url, { transports: opts.transports ?? ['websocket'], reconnection: true, forceNew: true });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new KioskSocket(socket)));
      socket.once('connect_error', reject);
    });
  }

  watch(payload: unknown): Promise<WatchAck> {
    return this.socket.timeout(10_000).emitWithAck('session:watch', payload) as Promise<WatchAck>;
  }

  unwatch(id: string): void {
    this.socket.emit('session:unwatch', { id });
  }

  /** The first push (already received or still to come) that matches. */
  next(match: (view: SessionView) => boolean, timeoutMs = 30_000): Promise<SessionView> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.updates.find(match);
        if (!found) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching push within ${timeoutMs} ms; got ${JSON.stringify(this.updates.map((u) => u.status))}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.socket.close();
  }
}

export async function createSession(baseUrl: string, body: unknown = { kioskId: 'lobby-1' }): Promise<SessionView> {
  const res = await fetch(`${baseUrl}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST /api/sessions answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as SessionView;
}
