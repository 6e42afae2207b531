import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { KioskFleet } from './kiosks';

/** A Socket.IO server that acks every watch as pending and pushes `authorized` when asked. */
async function fakeService(): Promise<{ url: string; push: (id: string) => void; close: () => Promise<void> }> {
  const http: HttpServer = createServer();
  const io = new Server(http);
  io.on('connection', (socket) => {
    socket.on('session:watch', (payload: { id: string }, ack: (a: unknown) => void) => {
      void socket.join(payload.id);
      ack({ ok: true, session: { id: payload.id, status: 'pending' } });
    });
    socket.on('session:unwatch', (payload: { id: string }) => void socket.leave(payload.id));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    push: (id) => io.to(id).emit('session:update', { id, status: 'authorized' }),
    close: () => new Promise((resolve) => void io.close(() => resolve())),
  };
}

describe('the bench’s kiosk fleet, spread over processes', () => {
  let fleet: KioskFleet | null = null;
  let service: Awaited<ReturnType<typeof fakeService>> | null = null;

  afterEach(async () => {
    await fleet?.closeAll();
    await service?.close();
  });

  it('connects every kiosk, watches through the process holding it, and hands on its pushes', async () => {
    service = await fakeService();
    const updates: Array<{ id: string; status: string; at: number }> = [];
    let pushed!: () => void;
    const received = new Promise<void>((resolve) => (pushed = resolve));
    fleet = new KioskFleet(
      service.url,
      (view, at) => {
        updates.push({ ...view, at });
        pushed();
      },
      2,
    );
    const progress: number[] = [];
    await fleet.connect(5, 4, (n) => progress.push(n));

    expect(fleet.pids).toHaveLength(3); // 2 + 2 + 1 kiosks
    expect(progress.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect(await fleet.counts()).toEqual({ connected: 5, reconnects: 0, disconnects: 0 });

    fleet.startLoopDelay();
    expect(await fleet.watch(4, 'session-of-kiosk-4')).toBe('pending');
    const before = Date.now();
    service.push('session-of-kiosk-4');
    await received;
    expect(updates).toEqual([{ id: 'session-of-kiosk-4', status: 'authorized', at: expect.any(Number) as number }]);
    expect(updates[0].at).toBeGreaterThanOrEqual(before);
    // The kiosk processes answer with their loop's delay (no sample yet in so short a time: nulls).
    const delay = await fleet.stopLoopDelay();
    for (const v of Object.values(delay)) expect(v === null || v >= 0).toBe(true);
    expect(Object.keys(delay).sort()).toEqual(['max', 'p50', 'p99']);
  });

  it('starts no kiosk process for no kiosks', async () => {
    service = await fakeService();
    fleet = new KioskFleet(service.url, () => undefined, 2);
    await fleet.connect(0, 4, () => undefined);
    expect(fleet.pids).toEqual([]);
    expect(await fleet.counts()).toEqual({ connected: 0, reconnects: 0, disconnects: 0 });
  });

  it('refuses a kiosk no process holds', async () => {
    service = await fakeService();
    fleet = new KioskFleet(service.url, () => undefined, 2);
    await fleet.connect(2, 2, () => undefined);
    await expect(fleet.watch(7, 'x')).rejects.toThrow('no kiosk process holds kiosk 7');
  });
});
