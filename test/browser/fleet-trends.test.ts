import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../support/kiosk-socket';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from '../support/processes';
import { AdminPage, launchBrowser, openAdmin, screenshot } from './browser';

/**
 * Issue #13.8 in Chromium: the fleet view's empty state, and its three charts (sign-ins per minute
 * by outcome, time to approve, poll lateness) moving as sign-ins happen. The sign-ins are polled
 * by two worker processes, none of which has an HTTP port: what the charts show is the fleet's sum,
 * kept in Redis, pushed to the page by the API process (`fleet:stats`) without the page asking.
 */
describe('fleet view trends in Chromium (API and two workers)', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let api: Service;
  let workers: Service[];
  let browser: Browser;
  let fleet: AdminPage;

  beforeAll(async () => {
    redis = await startRedis();
    [sim, browser] = await Promise.all([startSimulator({ SIM_INTERVAL_S: '1' }), launchBrowser()]);
    const common = { redisUrl: redis.url, simulatorUrl: sim.url };
    [api, ...workers] = await Promise.all([
      startService({ ...common, role: 'api' }),
      startService({ ...common, role: 'worker' }),
      startService({ ...common, role: 'worker' }),
    ]);
  });

  afterAll(async () => {
    await fleet?.close();
    await browser?.close();
    await Promise.all([api?.stop(), ...(workers ?? []).map((w) => w.stop())]);
    await sim?.stop();
    redis?.stop();
  });

  const chart = (page: Page, testid: string) =>
    page.evaluate<Record<string, string> & { svg: string; summary: string }>(`(() => {
      const fig = document.querySelector('[data-testid="${testid}"]');
      return { ...fig.dataset, svg: fig.querySelector('.plot').innerHTML, summary: fig.querySelector('.summary').textContent };
    })()`);

  const emptyShown = (page: Page) => page.locator('[data-testid="empty"]').isVisible();

  it('shows an empty state, then charts that move as sign-ins happen, pushed live', async () => {
    fleet = await openAdmin(browser, api.url, '/admin/kiosks');
    const { page } = fleet;
    await page.waitForSelector('[data-testid="connection"][data-state="online"]', { state: 'attached', timeout: 15_000 });

    // Nobody signing in: the table is replaced by a sentence, and the charts are drawn, empty.
    await expect.poll(() => emptyShown(page), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('[data-testid="empty"]').textContent()).toMatch(/No one is signing in or signed in right now/);
    await expect.poll(async () => (await chart(page, 'chart-signins')).total, { timeout: 10_000 }).toBe('0');
    const before = {
      signins: await chart(page, 'chart-signins'),
      approve: await chart(page, 'chart-approve'),
      lateness: await chart(page, 'chart-lateness'),
    };
    expect(before.approve.count).toBe('0');
    expect(before.lateness.polls).toBe('0');
    expect(before.approve.summary).toBe('no approvals in the last hour');
    expect(await page.locator('[data-testid="chart-signins"] svg rect.bar').count()).toBe(0);
    const mark = fleet.requests.length;

    const sessions = await Promise.all(
      ['lobby-1', 'lobby-2', 'room-7', 'hall-3'].map((kioskId) => createSession(api.url, { kioskId })),
    );
    await expect.poll(() => emptyShown(page), { timeout: 10_000 }).toBe(false);
    const [a, b, c] = sessions;
    await sim.control.approve(a.userCode, 'Ada Lovelace');
    await sim.control.approve(b.userCode, 'Grace Hopper');
    await sim.control.deny(c.userCode);

    // The workers count; within a few seconds the page is pushed the new sums and redraws.
    await expect
      .poll(
        async () => {
          const s = await chart(page, 'chart-signins');
          return { total: s.total, authorized: s.authorized, denied: s.denied };
        },
        { timeout: 30_000 },
      )
      .toEqual({ total: '3', authorized: '2', denied: '1' });
    await expect.poll(async () => (await chart(page, 'chart-approve')).count, { timeout: 30_000 }).toBe('2');
    await expect.poll(async () => Number((await chart(page, 'chart-lateness')).polls), { timeout: 30_000 }).toBeGreaterThan(0);

    const after = {
      signins: await chart(page, 'chart-signins'),
      approve: await chart(page, 'chart-approve'),
      lateness: await chart(page, 'chart-lateness'),
    };
    // The drawings changed, not just the numbers: bars for the outcomes, a bar of approvals, a lateness line.
    expect(after.signins.svg).not.toBe(before.signins.svg);
    expect(after.approve.svg).not.toBe(before.approve.svg);
    expect(after.lateness.svg).not.toBe(before.lateness.svg);
    expect(await page.locator('[data-testid="chart-signins"] svg rect.bar.o-authorized').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="chart-signins"] svg rect.bar.o-denied').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="chart-lateness"] svg .p99').count()).toBeGreaterThan(0);
    expect(after.signins.summary).toMatch(/^2 authorized · 0 expired · 1 denied · 0 failed · 0 cancelled$/);
    expect(after.approve.summary).toMatch(/^median .+ · p90 .+ · 2 approved$/);
    expect(after.lateness.summary).toMatch(/^p50 .+ · p99 .+ · \d+ polls$/);

    // Pushed, never pulled: no HTTP request since the page loaded, and one `fleet:stats` request
    // (on connect) while several pushes arrived.
    expect(fleet.requests.slice(mark)).toEqual([]);
    expect(fleet.framesSent.filter((f) => f.includes('"fleet:stats"'))).toHaveLength(1);
    await expect
      .poll(() => fleet.framesReceived.filter((f) => f.startsWith('42/admin,["fleet:stats"')).length, { timeout: 15_000 })
      .toBeGreaterThan(1);
    expect(fleet.requests.slice(mark)).toEqual([]);
    expect(fleet.errors).toEqual([]);
    await screenshot(page, 'fleet-view-trends', 'fleet-view');

    // Everyone leaves: the empty state is back, and the charts keep the hour's history.
    await Promise.all(
      sessions.map((s) => fetch(`${api.url}/api/sessions/${s.id}`, { method: 'DELETE' }).then((r) => expect(r.status).toBe(200))),
    );
    await expect.poll(() => emptyShown(page), { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => (await chart(page, 'chart-signins')).cancelled, { timeout: 30_000 }).toBe('1');
    expect((await chart(page, 'chart-signins')).authorized).toBe('2');
  });
});
