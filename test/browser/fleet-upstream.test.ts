import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo/redis-server';
import { createSession } from '../support/kiosk-socket';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from '../support/processes';
import { dumpRedis } from '../support/redis-dump';
import { AdminPage, launchBrowser, openAdmin, readSession, screenshot } from './browser';

interface Readyz {
  status: string;
  provider: {
    provider: string;
    state: string;
    problems: Array<{ kind: string; since: string; lastSeenAt: string; until: string | null; message: string }>;
  } | null;
}

/**
 * Issue #13.7 in Chromium: when the provider is unreachable, refuses the client (`invalid_client`)
 * or rate-limits it (429), the kiosk only says "Sign-in unavailable" — the operator's fleet view
 * says why, under "Last failures" (also for failures of `POST /api/sessions`, which leave no
 * session) and in a status banner, and `/readyz` says it as detail while staying 200 (Redis is up).
 * The unreachable case happens on a second service process with a wrong `WEBEX_API_BASE`: what
 * it saw reaches the fleet view of the first through Redis.
 */
describe('why sign-ins fail upstream, in the fleet view (Chromium)', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let service: Service;
  let misconfigured: Service;
  let browser: Browser;
  let fleet: AdminPage;
  const ROTATED = 'rotated-secret-4b9Qx7';

  beforeAll(async () => {
    redis = await startRedis();
    [sim, browser] = await Promise.all([startSimulator({ SIM_INTERVAL_S: '1' }), launchBrowser()]);
    const nowhere = `http://127.0.0.1:${await freePort()}/v1`;
    [service, misconfigured] = await Promise.all([
      startService({ redisUrl: redis.url, simulatorUrl: sim.url }),
      startService({ redisUrl: redis.url, simulatorUrl: sim.url, role: 'api', env: { WEBEX_API_BASE: nowhere } }),
    ]);
    fleet = await openAdmin(browser, service.url, '/admin/kiosks');
    await fleet.page.waitForSelector('[data-testid="connection"][data-state="online"]', { state: 'attached', timeout: 15_000 });
  });

  afterAll(async () => {
    await fleet?.close();
    await browser?.close();
    await Promise.all([service?.stop(), misconfigured?.stop()]);
    await sim?.stop();
    redis?.stop();
  });

  const failures = (page: Page) => page.locator('[data-testid="recent-failures"] li').allTextContents();
  const banner = (page: Page) =>
    page.evaluate<{ hidden: boolean; state: string | undefined; text: string }>(`(() => {
      const el = document.querySelector('[data-testid="provider-status"]');
      return { hidden: el.hidden, state: el.dataset.state, text: el.textContent };
    })()`);
  const readyz = async (): Promise<{ status: number; body: Readyz }> => {
    const res = await fetch(`${service.url}/readyz`);
    return { status: res.status, body: (await res.json()) as Readyz };
  };

  it('starts with the provider fine: no banner, /readyz 200 with provider state ok', async () => {
    expect(await banner(fleet.page)).toMatchObject({ hidden: true });
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', provider: { provider: 'Webex', state: 'ok', problems: [] } });
  });

  it('an unreachable provider base: POST /api/sessions answers 502, the fleet view names the cause', async () => {
    const res = await fetch(`${misconfigured.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kioskId: 'lobby-1' }),
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_error');

    await expect
      .poll(() => failures(fleet.page), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/^Webex · starting a sign-in: unreachable — .*ECONNREFUSED/)]);
    await expect.poll(async () => (await banner(fleet.page)).state, { timeout: 10_000 }).toBe('unreachable');
    expect((await banner(fleet.page)).text).toMatch(/Webex cannot be reached .*check WEBEX_API_BASE/);
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.provider).toMatchObject({ state: 'unreachable', problems: [{ kind: 'unreachable', until: null }] });
  });

  it('wrong client credentials (invalid_client): the session fails, the banner and /readyz say the client is refused', async () => {
    await sim.control.settings({ clientSecret: ROTATED });
    // The authorize call works (Webex checks only the client id there): the provider is reachable again.
    const session = await createSession(service.url, { kioskId: 'room-7' });
    await expect.poll(async () => (await readSession(service.url, session.id)).status, { timeout: 15_000 }).toBe('failed');
    expect((await readSession(service.url, session.id)).error?.code).toBe('invalid_client');

    await expect.poll(async () => (await banner(fleet.page)).state, { timeout: 10_000 }).toBe('client_refused');
    expect((await banner(fleet.page)).text).toMatch(
      /Webex refuses this service's client credentials \(invalid_client\); check WEBEX_CLIENT_ID \/ WEBEX_CLIENT_SECRET\./,
    );
    await expect
      .poll(() => failures(fleet.page), { timeout: 10_000 })
      .toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^Webex · polling: client refused \(invalid_client\)/),
          expect.stringMatching(/^room-7 · failed \(invalid_client\)/),
        ]),
      );
    const ready = await readyz();
    expect(ready.status).toBe(200);
    // The unreachable base was followed by a normal answer (the authorize above): only the refusal remains.
    expect(ready.body.provider).toMatchObject({ state: 'client_refused', problems: [{ kind: 'client_refused' }] });
    await screenshot(fleet.page, 'fleet-view-client-refused');

    // Fixed: a sign-in that polls normally clears the banner.
    await sim.control.settings({ clientSecret: 'sim-client-secret' });
    const next = await createSession(service.url, { kioskId: 'room-7' });
    await sim.control.approve(next.userCode);
    await expect.poll(async () => (await readSession(service.url, next.id)).status, { timeout: 15_000 }).toBe('authorized');
    await expect.poll(async () => (await readyz()).body.provider?.state, { timeout: 15_000 }).toBe('ok');
    await expect.poll(async () => (await banner(fleet.page)).hidden, { timeout: 15_000 }).toBe(true);
  });

  it('a 429 with Retry-After: the fleet view and /readyz say until when every sign-in waits', async () => {
    await sim.control.faults({ endpoint: 'authorize', status: 429, count: 1, retryAfterS: 600 });
    const asked = Date.now();
    const res = await fetch(`${service.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kioskId: 'hall-3' }),
    });
    expect(res.status).toBe(502);

    const ready = await readyz();
    expect(ready.status).toBe(200);
    const problem = ready.body.provider?.problems.find((p) => p.kind === 'rate_limited');
    expect(problem?.until).toBeTruthy();
    const until = Date.parse(problem!.until!);
    expect(until).toBeGreaterThanOrEqual(asked + 590_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 600_000);
    expect(ready.body.provider?.state).toBe('rate_limited');

    const untilText = new Date(until).toLocaleTimeString('en-US');
    await expect.poll(async () => (await banner(fleet.page)).state, { timeout: 10_000 }).toBe('rate_limited');
    expect((await banner(fleet.page)).text).toContain(`until ${untilText}`);
    await expect
      .poll(async () => (await failures(fleet.page))[0], { timeout: 10_000 })
      .toMatch(
        new RegExp(
          `^Webex · starting a sign-in: rate limited \\(429\\) until ${untilText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
        ),
      );
  });

  it('never shows or stores a client secret, and the page made no errors', async () => {
    const pushed = fleet.framesReceived.join('\n');
    const stored = await dumpRedis(redis.url);
    const ready = JSON.stringify((await readyz()).body);
    for (const secret of ['sim-client-secret', ROTATED]) {
      expect(pushed).not.toContain(secret);
      expect(stored).not.toContain(secret);
      expect(ready).not.toContain(secret);
      expect(service.output()).not.toContain(secret);
    }
    expect(fleet.errors).toEqual([]);
  });
});
