/**
 * A kiosk process of the bench (see `KioskFleet`): some of the fleet's Socket.IO kiosks, driven
 * over IPC. Each push is timed here, as it reaches this process's event loop.
 *
 * KIOSK_URL: the service's base URL.
 */
import { KioskSockets } from './kiosk-sockets';
import type { KioskReply, KioskRequest } from './kiosk-protocol';
import { watchLoopDelay } from './loop-delay';

const url = process.env.KIOSK_URL;
if (!url) throw new Error('KIOSK_URL is required');

function send(reply: KioskReply): void {
  process.send?.(reply);
}

const sockets = new KioskSockets(url, (view, at) => send({ type: 'update', id: view.id, status: view.status, at }));
let loop: ReturnType<typeof watchLoopDelay> | null = null;

function onRequest(m: KioskRequest): void {
  switch (m.type) {
    case 'connect':
      sockets
        .connect(m.from, m.count, m.concurrency, (kiosk) => send({ type: 'connected', kiosk }))
        .catch((err: unknown) => send({ type: 'connect-failed', error: String(err) }));
      return;
    case 'watch':
      sockets.watch(m.kiosk, m.id).then(
        (status) => send({ type: 'ack', seq: m.seq, status }),
        (err: unknown) => send({ type: 'nack', seq: m.seq, error: err instanceof Error ? err.message : String(err) }),
      );
      return;
    case 'unwatch':
      sockets.unwatch(m.kiosk, m.id);
      return;
    case 'counts':
      send({
        type: 'counts',
        seq: m.seq,
        connected: sockets.connected,
        reconnects: sockets.reconnects,
        disconnects: sockets.disconnects,
      });
      return;
    case 'loop-start':
      loop = watchLoopDelay();
      return;
    case 'loop-stop':
      send({ type: 'loop', seq: m.seq, delay: loop?.stop() ?? { p50: null, p99: null, max: null } });
      loop = null;
      return;
    case 'close':
      sockets.closeAll();
      process.exit(0);
  }
}

process.on('message', onRequest);
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
