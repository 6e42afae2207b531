import { io, Socket } from 'socket.io-client';
import type { UpdateListener, ViewLike } from './kiosks';
import { Limiter } from './limiter';

function toView(v: unknown): ViewLike | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  return typeof o.id === 'string' && typeof o.status === 'string' ? { id: o.id, status: o.status } : null;
}

/**
 * Kiosks of one process: one real Socket.IO connection per kiosk (websocket transport, as the
 * kiosk page uses), each with its own TCP connection. A kiosk that reconnects watches its session
 * again, as the contract asks. Kiosks keep the fleet's numbers (`from` … in `connect`).
 */
export class KioskSockets {
  private readonly sockets = new Map<number, Socket>();
  private readonly watching = new Map<number, string>();
  reconnects = 0;
  disconnects = 0;

  constructor(
    private readonly url: string,
    private readonly onUpdate: UpdateListener,
  ) {}

  get connected(): number {
    let n = 0;
    for (const s of this.sockets.values()) if (s.connected) n++;
    return n;
  }

  /** Opens kiosks `from` … `from + count − 1`, `concurrency` handshakes at a time; rejects if any fails. */
  async connect(from: number, count: number, concurrency: number, onEach: (kiosk: number) => void): Promise<void> {
    const limiter = new Limiter(concurrency);
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        limiter.run(async () => {
          const kiosk = from + i;
          this.sockets.set(kiosk, await this.open(kiosk));
          onEach(kiosk);
        }),
      ),
    );
  }

  /** `session:watch` with its acknowledgement; the ack's status, or throws. */
  async watch(kiosk: number, id: string): Promise<string> {
    const socket = this.sockets.get(kiosk);
    if (!socket) throw new Error(`kiosk ${kiosk} is not connected here`);
    this.watching.set(kiosk, id);
    const ack: unknown = await socket.timeout(30_000).emitWithAck('session:watch', { id });
    const o = (typeof ack === 'object' && ack !== null ? ack : {}) as Record<string, unknown>;
    const view = o.ok === true ? toView(o.session) : null;
    if (!view) throw new Error(`session:watch refused: ${JSON.stringify(ack)}`);
    return view.status;
  }

  unwatch(kiosk: number, id: string): void {
    if (this.watching.get(kiosk) === id) this.watching.delete(kiosk);
    this.sockets.get(kiosk)?.emit('session:unwatch', { id });
  }

  closeAll(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  private open(index: number): Promise<Socket> {
    const socket = io(this.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: true,
      reconnectionDelay: 1_000,
      reconnectionDelayMax: 5_000,
      timeout: 30_000,
    });
    socket.on('session:update', (payload: unknown) => {
      const view = toView(payload);
      if (view) this.onUpdate(view, Date.now());
    });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        socket.off('connect_error', fail);
        socket.on('disconnect', () => this.disconnects++);
        // Later connects are reconnects: watch again so no change is lost (the ack carries the state).
        socket.on('connect', () => {
          this.reconnects++;
          const id = this.watching.get(index);
          if (id)
            void this.watch(index, id).then(
              (status) => this.onUpdate({ id, status }, Date.now()),
              () => undefined,
            );
        });
        resolve(socket);
      });
      const fail = (err: Error) => {
        socket.close();
        reject(new Error(`kiosk ${index} could not connect: ${err.message}`));
      };
      socket.once('connect_error', fail);
    });
  }
}
