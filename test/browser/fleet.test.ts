import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../support/kiosk-socket';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from '../support/processes';
import { AdminPage, launchBrowser, openAdmin, readSession, screenshot } from './browser';

/**
 * The operators' pages in Chromium against an API process and a separate worker process on one
 * Redis and simulator, as in production: every change the page shows is made by the worker and
 * reaches the page only through the `/admin` Socket.IO namespace (Redis adapter), never by polling.
 */
describe('operator pages in Chromium (API and worker as separate processes)', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let api: Service;
  let worker: Service;
  let browser: Browser;
  const open: AdminPage[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    [sim, browser] = await Promise.all([startSimulator({ SIM_INTERVAL_S: '1' }), launchBrowser()]);
    const common = { redisUrl: redis.url, simulatorUrl: sim.url };
    [api, worker] = await Promise.all([startService({ ...common, role: 'api' }), startService({ ...common, role: 'worker' })]);
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([api?.stop(), worker?.stop()]);
    await sim?.stop();
    redis?.stop();
  });

  async function adminPage(path: string, credentials?: null): Promise<AdminPage> {
    const page = await openAdmin(browser, api.url, path, credentials === null ? { credentials: null } : {});
    open.push(page);
    return page;
  }

  // DOM reads as string expressions: they run in the page, and this project's tsconfig has no DOM types.
  const counts = (page: Page) =>
    page.evaluate<
      Record<string, number | null>
    >(`Object.fromEntries([...document.querySelectorAll('[data-testid="counts"] .count[data-status]')]
      .map((c) => [c.dataset.status, c.querySelector('b') ? Number(c.querySelector('b').textContent) : null]))`);

  const row = (page: Page, id: string) =>
    page.evaluate<{ kiosk: string; status: string; person: string } | null>(`(() => {
      const tr = document.querySelector('[data-testid="sessions"] tr[data-session=' + ${JSON.stringify(JSON.stringify(id))} + ']');
      if (!tr) return null;
      return {
        kiosk: tr.cells[0].textContent.trim(),
        status: tr.querySelector('td.status').textContent.trim(),
        person: tr.querySelector('td[data-testid="person"]').textContent.trim(),
      };
    })()`);

  const items = (page: Page, testid: string) => page.locator(`[data-testid="${testid}"] li`).allTextContents();

  const zero = { pending: 0, authorized: 0, expired: 0, denied: 0, cancelled: 0, signed_out: 0, failed: 0 };

  it('refuses the fleet view and the queue dashboard without credentials (401), and shows nothing of them', async () => {
    for (const path of ['/admin/kiosks', '/admin/queues']) {
      const page = await adminPage(path, null);
      expect(page.status, path).toBe(401);
      expect(page.headers['www-authenticate'], path).toMatch(/^Basic realm=/);
      // Chromium, holding no credentials for the challenge, fails the navigation rather than render the 401.
      expect(page.navigationError, path).toMatch(/ERR_INVALID_AUTH_CREDENTIALS/);
      expect(await page.page.title()).not.toMatch(/fleet|queue|bull/i);
      expect(await page.page.locator('[data-testid="sessions"]').count()).toBe(0);
      // Nothing past the refused document: no ticket, no socket.
      expect(page.requests.map((r) => r.path)).toEqual([path]);
      expect(page.sockets).toEqual([]);
    }
  });

  it('shows sessions live as the worker resolves them: rows, counts, sign-ins and failures, pushed without polling', async () => {
    const fleet = await adminPage('/admin/kiosks');
    const { page } = fleet;
    expect(fleet.status).toBe(200);
    expect(fleet.navigationError).toBeNull();
    await page.waitForSelector('[data-testid="connection"][data-state="online"]', { state: 'attached', timeout: 15_000 });
    // The page asks for a snapshot on connect; wait for its acknowledgement (Socket.IO ACK packet on
    // the /admin namespace) so what follows is only pushes.
    await expect.poll(() => fleet.framesReceived.some((f) => /^43\/admin,\d+\[/.test(f)), { timeout: 10_000 }).toBe(true);
    expect(await counts(page)).toEqual(zero);
    expect(await page.locator('[data-testid="sessions"] tr').count()).toBe(0);
    await page.evaluate('window.__fleetTestMarker = "same-document"');
    const mark = fleet.requests.length;

    const [lobby, room] = await Promise.all([
      createSession(api.url, { kioskId: 'lobby-1' }),
      createSession(api.url, { kioskId: 'room-7' }),
    ]);

    // Both rows appear by themselves, pending, with nobody signed in.
    await expect
      .poll(() => row(page, lobby.id), { timeout: 10_000 })
      .toEqual({ kiosk: 'lobby-1', status: 'pending', person: '' });
    await expect.poll(() => row(page, room.id), { timeout: 10_000 }).toEqual({ kiosk: 'room-7', status: 'pending', person: '' });
    await expect.poll(() => counts(page), { timeout: 10_000 }).toEqual({ ...zero, pending: 2 });
    expect(await page.locator('[data-testid="counts"] .count[data-status="pending"] b').textContent()).toBe('2');

    // Approved on "Webex": the worker's poll gets the token and the profile; the row follows.
    await sim.control.approve(lobby.userCode, 'Ada Lovelace');
    await expect
      .poll(() => row(page, lobby.id), { timeout: 20_000 })
      .toEqual({ kiosk: 'lobby-1', status: 'authorized', person: 'Ada Lovelace' });
    await expect
      .poll(() => items(page, 'recent-signins'), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/^lobby-1 · Ada Lovelace\b/)]);
    await expect.poll(() => counts(page), { timeout: 10_000 }).toEqual({ ...zero, pending: 1, authorized: 1 });
    expect(await items(page, 'recent-failures')).toEqual([]);

    // Denied: it leaves the live table and shows under the failures.
    await sim.control.deny(room.userCode);
    await expect
      .poll(() => items(page, 'recent-failures'), { timeout: 20_000 })
      .toEqual([expect.stringMatching(/^room-7 · denied\b/)]);
    await expect.poll(() => counts(page), { timeout: 10_000 }).toEqual({ ...zero, authorized: 1, denied: 1 });
    expect(await row(page, room.id)).toBeNull();
    expect(await row(page, lobby.id)).toEqual({ kiosk: 'lobby-1', status: 'authorized', person: 'Ada Lovelace' });
    expect(await items(page, 'recent-signins')).toEqual([expect.stringMatching(/^lobby-1 · Ada Lovelace\b/)]);

    // What the page shows is what the service holds.
    expect(await readSession(api.url, lobby.id)).toMatchObject({
      status: 'authorized',
      profile: { displayName: 'Ada Lovelace' },
    });
    expect(await readSession(api.url, room.id)).toMatchObject({ status: 'denied' });

    // Pushed, never pulled: not a single HTTP request since the snapshot, no reload, one WebSocket;
    // over the whole visit, the only /api or /admin requests are the page itself and one ticket.
    expect(fleet.requests.slice(mark)).toEqual([]);
    expect(await page.evaluate('window.__fleetTestMarker')).toBe('same-document');
    expect(fleet.navigations).toHaveLength(1);
    expect(fleet.sockets).toHaveLength(1);
    expect(fleet.requests.filter((r) => /transport=polling/.test(r.path))).toEqual([]);
    // Nor pulled over the socket: one snapshot, asked for on connect.
    expect(fleet.framesSent.filter((f) => f.includes('"fleet:snapshot"'))).toHaveLength(1);
    expect(fleet.requests.filter((r) => /^\/(api|admin)(\/|$|\?)/.test(r.path)).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /admin/kiosks',
      'GET /admin/kiosks/ticket',
    ]);
    expect(fleet.errors).toEqual([]);

    // The README's fleet-view image comes from fleet-trends.test.ts, where the charts have data.
    await screenshot(page, 'fleet-view');
  });

  it("shows the sign-ins' queue in the queue dashboard (bull-board)", async () => {
    const board = await adminPage('/admin/queues');
    expect(board.status).toBe(200);
    await board.page.getByText('device-poll', { exact: true }).first().waitFor({ state: 'visible', timeout: 15_000 });
    // The queue's card, with its job count, once the overview has loaded.
    await board.page
      .getByText(/^\d+ Jobs?$/)
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
    await screenshot(board.page, 'queue-dashboard', 'queue-dashboard');
    // bull-board's own page links a web font from fonts.googleapis.com, which this offline test
    // machine cannot resolve; failures of such third-party loads are bull-board's, not the service's.
    const origin = new URL(api.url).origin;
    const thirdPartyMiss = (line: string) =>
      /^console\.error: Failed to load resource: /.test(line) && !line.includes(`(${origin}/`);
    expect(board.errors.filter((line) => !thirdPartyMiss(line))).toEqual([]);
  });
});
