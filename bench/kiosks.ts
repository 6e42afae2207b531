import type { LoopDelayMs } from './loop-delay';
import type { KioskReply, KioskRequest } from './kiosk-protocol';
import { Child, startNode, whenReady } from './processes';

/** The parts of a SessionView the bench reads from pushes and acks. */
export interface ViewLike {
  id: string;
  status: string;
}

export type UpdateListener = (view: ViewLike, receivedAt: number) => void;

/** At most this many kiosks per kiosk process. */
export const KIOSKS_PER_PROCESS = 2_500;

interface Waiter {
  resolve: (m: KioskReply) => void;
  reject: (e: Error) => void;
}

/**
 * The fleet: one Socket.IO connection per kiosk (`KioskSockets`), spread over kiosk processes of
 * at most `KIOSKS_PER_PROCESS` each. A real kiosk is a device of its own; in one process with the
 * rest of the bench, 10,000 of them shared one event loop and one heap, and a push was timed late
 * whenever that process was busy or collecting garbage (bench/README.md, "December, fifth").
 */
export class KioskFleet {
  private readonly children: Child[] = [];
  private readonly waiting = new Map<number, Waiter>();
  private seq = 0;
  private perProcess: number;
  private closing = false;

  constructor(
    private readonly url: string,
    private readonly onUpdate: UpdateListener,
    private readonly maxPerProcess = KIOSKS_PER_PROCESS,
  ) {
    this.perProcess = maxPerProcess;
  }

  /** The kiosk processes' pids, for their CPU and memory. */
  get pids(): number[] {
    return this.children.map((c) => c.pid);
  }

  /** Starts the kiosk processes and opens `count` kiosks, `concurrency` handshakes at a time in all. */
  async connect(count: number, concurrency: number, onEach: (done: number) => void): Promise<void> {
    if (count <= 0) return;
    // As even as can be, and no process without a kiosk.
    this.perProcess = Math.ceil(count / Math.ceil(count / this.maxPerProcess));
    const processes = Math.ceil(count / this.perProcess);
    let done = 0;
    await Promise.all(
      Array.from({ length: processes }, async (_, i) => {
        const child = await this.start(i);
        const from = i * this.perProcess;
        const mine = Math.min(this.perProcess, count - from);
        await new Promise<void>((resolve, reject) => {
          let opened = 0;
          const onMessage = (m: KioskReply) => {
            if (m.type === 'connected') {
              onEach(++done);
              if (++opened === mine) finish(resolve);
            } else if (m.type === 'connect-failed') finish(() => reject(new Error(m.error)));
          };
          const finish = (then: () => void) => {
            child.proc.off('message', onMessage);
            then();
          };
          child.proc.on('message', onMessage);
          this.send(child, { type: 'connect', from, count: mine, concurrency: Math.max(1, Math.ceil(concurrency / processes)) });
        });
      }),
    );
  }

  /** `session:watch` with its acknowledgement; the ack's status, or throws. */
  async watch(kiosk: number, id: string): Promise<string> {
    const reply = await this.ask(this.childOf(kiosk), (seq) => ({ type: 'watch', seq, kiosk, id }));
    if (reply.type === 'nack') throw new Error(reply.error);
    if (reply.type !== 'ack') throw new Error(`unexpected reply ${reply.type}`);
    return reply.status;
  }

  unwatch(kiosk: number, id: string): void {
    this.send(this.childOf(kiosk), { type: 'unwatch', kiosk, id });
  }

  /** Connected kiosks, and their disconnects and reconnects so far, over all kiosk processes. */
  async counts(): Promise<{ connected: number; reconnects: number; disconnects: number }> {
    const total = { connected: 0, reconnects: 0, disconnects: 0 };
    for (const reply of await Promise.all(this.children.map((c) => this.ask(c, (seq) => ({ type: 'counts', seq }))))) {
      if (reply.type !== 'counts') continue;
      total.connected += reply.connected;
      total.reconnects += reply.reconnects;
      total.disconnects += reply.disconnects;
    }
    return total;
  }

  /** Starts timing the kiosk processes' event loops. */
  startLoopDelay(): void {
    for (const c of this.children) this.send(c, { type: 'loop-start' });
  }

  /** The worst of the kiosk processes' event-loop delays since `startLoopDelay`. */
  async stopLoopDelay(): Promise<LoopDelayMs> {
    const replies = await Promise.all(this.children.map((c) => this.ask(c, (seq) => ({ type: 'loop-stop', seq }))));
    const worst = (pick: (d: LoopDelayMs) => number | null): number | null =>
      replies.reduce<number | null>((w, r) => {
        const v = r.type === 'loop' ? pick(r.delay) : null;
        return v === null ? w : Math.max(w ?? v, v);
      }, null);
    return { p50: worst((d) => d.p50), p99: worst((d) => d.p99), max: worst((d) => d.max) };
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    for (const c of this.children) this.send(c, { type: 'close' });
    await Promise.all(this.children.map((c) => c.stop(5_000)));
    this.children.length = 0;
  }

  private async start(index: number): Promise<Child> {
    const child = startNode(`kiosks-${index}`, 'dist/bench/kiosk-worker.js', { KIOSK_URL: this.url }, { ipc: true });
    this.children[index] = child;
    child.proc.on('message', (m: KioskReply) => this.onReply(m));
    // A kiosk process that dies takes its kiosks with it: nothing asked of it will be answered.
    void child.exited.then((code) => {
      if (!this.closing) this.failAll(new Error(`kiosk process ${index} exited (${code}):\n${child.output().slice(-2000)}`));
    });
    await whenReady(child, 30_000);
    return child;
  }

  private onReply(m: KioskReply): void {
    if (m.type === 'update') return this.onUpdate({ id: m.id, status: m.status }, m.at);
    if (!('seq' in m)) return;
    const waiter = this.waiting.get(m.seq);
    this.waiting.delete(m.seq);
    waiter?.resolve(m);
  }

  private failAll(err: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }

  private ask(child: Child, request: (seq: number) => KioskRequest): Promise<KioskReply> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.send(child, request(seq));
    });
  }

  private childOf(kiosk: number): Child {
    const child = this.children[Math.floor(kiosk / this.perProcess)];
    if (!child) throw new Error(`no kiosk process holds kiosk ${kiosk}`);
    return child;
  }

  private send(child: Child, request: KioskRequest): void {
    child.proc.send(request);
  }
}
