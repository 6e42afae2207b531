import type { LoopDelayMs } from './loop-delay';

/** Messages between the bench and its kiosk processes (see kiosk-worker.ts). */
export type KioskRequest =
  /** Open kiosks `from` … `from + count − 1`, `concurrency` handshakes at a time. */
  | { type: 'connect'; from: number; count: number; concurrency: number }
  | { type: 'watch'; seq: number; kiosk: number; id: string }
  | { type: 'unwatch'; kiosk: number; id: string }
  | { type: 'counts'; seq: number }
  /** Start timing this process's event loop (a phase begins). */
  | { type: 'loop-start' }
  | { type: 'loop-stop'; seq: number }
  | { type: 'close' };

export type KioskReply =
  | { type: 'ready' }
  | { type: 'connected'; kiosk: number }
  | { type: 'connect-failed'; error: string }
  | { type: 'ack'; seq: number; status: string }
  | { type: 'nack'; seq: number; error: string }
  /** A `session:update` as the kiosk received it, `at` by this process's clock (the bench's too). */
  | { type: 'update'; id: string; status: string; at: number }
  | { type: 'counts'; seq: number; connected: number; reconnects: number; disconnects: number }
  | { type: 'loop'; seq: number; delay: LoopDelayMs };
