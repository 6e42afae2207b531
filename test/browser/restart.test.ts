import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupUserCode } from '../../client/src/user-code';
import { freePort } from '../../src/demo/redis-server';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from '../support/processes';
import { imageLoaded, launchBrowser, openKiosk, pollingRequests, readSession, sessionReads } from './browser';

/**
 * While the service is down Chromium itself logs each refused WebSocket attempt (and any refused
 * load from the service) as a console error. Those are the browser reporting the outage these tests
 * cause, not script errors, so exactly those are left out; everything else must still be absent.
 */
function isOutageReport(line: string, serviceUrl: string): boolean {
  const host = new URL(serviceUrl).host;
  return (
    line.startsWith(`console.error: WebSocket connection to 'ws://${host}/socket.io/`) ||
    (line.startsWith('console.error: Failed to load resource: net::ERR_CONNECTION_REFUSED') && line.includes(`(http://${host}/`))
  );
}

/**
 * The service dies (SIGKILL: no graceful shutdown) while a kiosk shows a code and comes back on the
 * same port, Redis and key. The page, never reloaded, reconnects by itself and still ends signed in.
 * Its own file: it needs a service it can kill, apart from the one the other browser tests share.
 */
describe('kiosk page across a service restart', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let service: Service | undefined;
  let browser: Browser;

  // The sign-ins of a process that died are taken over once their leases run out; short leases
  // (and a request timeout below them) keep that to a few seconds instead of 30 s.
  const env = { WORKER_LOCK_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000', WEBEX_TIMEOUT_MS: '1000' };

  beforeAll(async () => {
    redis = await startRedis();
    [sim, browser] = await Promise.all([startSimulator({ SIM_INTERVAL_S: '1' }), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await sim?.stop();
    redis?.stop();
  });

  it('shows the profile after approval even though the service was killed and restarted meanwhile', async () => {
    const port = await freePort();
    service = await startService({ redisUrl: redis.url, simulatorUrl: sim.url, port, env });
    const url = service.url;
    const kiosk = await openKiosk(browser, url, { query: { kiosk: 'lobby-1' } });
    try {
      await kiosk.online();
      const session = await kiosk.clickAndCreate('sign-in');
      await kiosk.waitForScreen('signing-in');
      expect(await kiosk.text('user-code')).toBe(groupUserCode(session.userCode));
      // Fully displayed, QR code included, before the service goes away.
      await imageLoaded(kiosk.page, 'qr');
      await kiosk.markDocument();

      const killed = await service.stop('SIGKILL');
      expect(killed).toBeNull(); // no exit code: it died of the signal, nothing ran on the way out
      await kiosk.page.waitForSelector('[data-testid="connection"][data-state="offline"]', {
        state: 'attached',
        timeout: 15_000,
      });
      expect(await kiosk.screen()).toBe('signing-in');
      expect(await kiosk.text('user-code')).toBe(groupUserCode(session.userCode));

      service = await startService({ redisUrl: redis.url, simulatorUrl: sim.url, port, env });
      expect(service.url).toBe(url);
      // socket.io-client backs off up to 5 s (±50 %) between attempts.
      await kiosk.online(20_000);
      expect(kiosk.sockets.length).toBeGreaterThanOrEqual(2);

      await sim.control.approve(session.userCode, 'Ada Lovelace');
      await kiosk.waitForScreen('signed-in', 30_000);
      expect(await kiosk.text('profile-name')).toBe('Ada Lovelace');
      expect(await readSession(url, session.id)).toMatchObject({
        status: 'authorized',
        profile: { displayName: 'Ada Lovelace' },
      });

      // Never reloaded, never polled: the state came over the new socket (ack or push).
      expect(await kiosk.stillSameDocument()).toBe(true);
      expect(kiosk.navigations).toHaveLength(1);
      expect(sessionReads(kiosk.requests, session.id)).toEqual([]);
      expect(pollingRequests(kiosk.requests)).toEqual([]);

      // While the service was down Chromium itself logs each refused WebSocket attempt (and any
      // refused load from the service) as a console error. Those are the browser reporting the
      // outage this test causes, not script errors, so exactly those are left out here; everything
      // else must still be absent.
      expect(kiosk.errors.filter((line) => !isOutageReport(line, url))).toEqual([]);
    } finally {
      await kiosk.close();
    }
  });

  it('loads a QR code that failed while the service was down again once the connection is back', async () => {
    // Reuses the service the test above left running (started here if this test runs alone).
    if (!service || service.proc.exitCode !== null || service.proc.signalCode !== null) {
      service = await startService({ redisUrl: redis.url, simulatorUrl: sim.url, port: await freePort(), env });
    }
    const { port, url } = service;
    const kiosk = await openKiosk(browser, url, { query: { kiosk: 'lobby-2' } });
    try {
      await kiosk.online();
      // The first load of the QR code fails as it would with the service unreachable; later loads pass.
      let qrLoads = 0;
      await kiosk.page.route(/\/api\/sessions\/[^/?]+\/qr\.svg$/, (route) =>
        ++qrLoads === 1 ? route.abort('connectionrefused') : route.continue(),
      );
      const session = await kiosk.clickAndCreate('sign-in');
      await kiosk.waitForScreen('signing-in');
      await kiosk.page.waitForSelector('figure.qr.img-failed', { state: 'attached', timeout: 10_000 });
      await kiosk.markDocument();

      expect(await service.stop('SIGKILL')).toBeNull();
      await kiosk.page.waitForSelector('[data-testid="connection"][data-state="offline"]', {
        state: 'attached',
        timeout: 15_000,
      });
      // Still failed: nothing retries while the service is away.
      expect(qrLoads).toBe(1);
      service = await startService({ redisUrl: redis.url, simulatorUrl: sim.url, port, env });
      expect(service.url).toBe(url);
      await kiosk.online(20_000);

      await imageLoaded(kiosk.page, 'qr');
      expect(await kiosk.page.evaluate(`document.querySelector('figure.qr').classList.contains('img-failed')`)).toBe(false);
      expect(qrLoads).toBe(2);
      expect(kiosk.requests.filter((r) => r.resourceType === 'image' && r.path === session.qrUrl)).toHaveLength(2);
      // The same screen, same document: the image was reloaded, not the page.
      expect(await kiosk.screen()).toBe('signing-in');
      expect(await kiosk.stillSameDocument()).toBe(true);
      expect(kiosk.navigations).toHaveLength(1);

      // The only errors are the browser's reports of the outage (and of the refused QR load).
      expect(kiosk.errors.filter((line) => !isOutageReport(line, url))).toEqual([]);
    } finally {
      await kiosk.close();
    }
  });
});
