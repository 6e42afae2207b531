import { request } from 'undici';
import { type Child, whenReady } from './processes';
import type { Backend, StatusListener } from './driver';
import type { FloorReply, FloorRequest } from './floor-protocol';
import { KioskFleet, ViewLike } from './kiosks';

interface Watched {
  kiosk: number;
  onStatus: StatusListener;
}

/**
 * Our service, used the way the kiosk page uses it: `POST /api/sessions`, then `session:watch`
 * on the kiosk's own Socket.IO connection, then nothing but pushes.
 */
export class ServiceBackend implements Backend {
  readonly fleet: KioskFleet;
  private readonly watched = new Map<string, Watched>();
  postFailures = 0;

  constructor(private readonly baseUrl: string) {
    this.fleet = new KioskFleet(baseUrl, (view, at) => this.onUpdate(view, at));
  }

  async start(kiosk: number, _n: number, onStatus: StatusListener): Promise<{ userCode: string }> {
    const res = await request(`${this.baseUrl}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ kioskId: `kiosk-${kiosk}` }),
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const body: unknown = await res.body.json().catch(() => null);
    const view = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (res.statusCode !== 201 || typeof view.id !== 'string' || typeof view.userCode !== 'string') {
      this.postFailures++;
      throw new Error(`POST /api/sessions answered ${res.statusCode}: ${JSON.stringify(body).slice(0, 200)}`);
    }
    const id = view.id;
    this.watched.set(id, { kiosk, onStatus });
    const status = await this.fleet.watch(kiosk, id);
    // Normally 'pending'; anything else already happened and is reported like a push.
    if (status !== 'pending') this.onUpdate({ id, status }, Date.now());
    return { userCode: view.userCode };
  }

  private onUpdate(view: ViewLike, at: number): void {
    const w = this.watched.get(view.id);
    if (!w || view.status === 'pending') return;
    this.watched.delete(view.id);
    this.fleet.unwatch(w.kiosk, view.id);
    w.onStatus(view.status, at);
  }
}

interface FloorWaiter {
  resolve: (v: { userCode: string }) => void;
  reject: (e: Error) => void;
  onStatus: StatusListener;
}

/** The floor process (floor.ts), driven over IPC. */
export class FloorBackend implements Backend {
  private readonly waiting = new Map<number, FloorWaiter>();

  constructor(private readonly child: Child) {
    child.proc.on('message', (m: FloorReply) => this.onReply(m));
  }

  /** Resolves once the floor process has loaded. */
  ready(timeoutMs: number): Promise<void> {
    return whenReady(this.child, timeoutMs);
  }

  start(_kiosk: number, n: number, onStatus: StatusListener): Promise<{ userCode: string }> {
    return new Promise((resolve, reject) => {
      this.waiting.set(n, { resolve, reject, onStatus });
      this.send({ type: 'start', n });
    });
  }

  stop(): void {
    if (this.child.proc.connected) this.send({ type: 'stop' });
  }

  private send(m: FloorRequest): void {
    this.child.proc.send(m);
  }

  private onReply(m: FloorReply): void {
    if (m.type === 'ready') return;
    const w = this.waiting.get(m.n);
    if (!w) return;
    if (m.type === 'started') w.resolve({ userCode: m.userCode });
    else if (m.type === 'failed') {
      this.waiting.delete(m.n);
      w.reject(new Error(m.error));
    } else {
      this.waiting.delete(m.n);
      w.onStatus(m.status, m.at);
    }
  }
}
