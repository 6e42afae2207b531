import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/domain/session';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from '../support/processes';
import { DASHBOARD_VIEWPORT, imageLoaded, launchBrowser, OPS_CREDENTIALS, PORTRAIT, screenshot } from './browser';

interface Violation {
  page: string;
  directive: string;
  blocked: string;
  source: string;
}

/**
 * Issue #12 in real Chromium, with `KIOSK_ENROLLMENT=required`: a kiosk is refused until an
 * operator enrolls it from the fleet view, signs a person in once enrolled, and is refused again
 * the moment the operator revokes it. Every page records Content-Security-Policy violations
 * (`securitypolicyviolation` events): the kiosk page, the enrollment page, the fleet view and the
 * queue dashboard must have none.
 */
describe('kiosk enrollment in Chromium', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let service: Service;
  let browser: Browser;
  const violations: Violation[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    [sim, browser] = await Promise.all([startSimulator({ SIM_INTERVAL_S: '1' }), launchBrowser()]);
    service = await startService({ redisUrl: redis.url, simulatorUrl: sim.url, env: { KIOSK_ENROLLMENT: 'required' } });
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await sim?.stop();
    redis?.stop();
  });

  /** A fresh browser profile whose every page reports CSP violations (init scripts run before the page's own). */
  async function context(opts: { operator?: boolean } = {}): Promise<BrowserContext> {
    const ctx = await browser.newContext({
      viewport: opts.operator ? DASHBOARD_VIEWPORT : PORTRAIT,
      ...(opts.operator ? { httpCredentials: { ...OPS_CREDENTIALS } } : {}),
    });
    contexts.push(ctx);
    await ctx.exposeFunction('__reportCsp', (v: Violation) => violations.push(v));
    await ctx.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => window.__reportCsp({
      page: location.pathname, directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile + ':' + e.lineNumber }));`);
    return ctx;
  }

  const screenOf = (page: Page, screen: string, timeout = 15_000) =>
    page.waitForSelector(`main[data-screen="${screen}"]`, { state: 'attached', timeout });

  it('enrolls a kiosk from the fleet view, signs in on it, and refuses it once revoked', async () => {
    const kiosk = await (await context()).newPage();
    await kiosk.goto(`${service.url}/?kiosk=lobby-1`);
    // Not enrolled yet: the kiosk says so instead of offering a sign-in that would fail.
    await screenOf(kiosk, 'not-enrolled');
    expect(await kiosk.getByTestId('not-enrolled').textContent()).toBe('This kiosk is not enrolled');
    await screenshot(kiosk, 'kiosk-not-enrolled');

    // The operator adds the kiosk and gets a one-time link (and its QR code).
    const fleet = await (await context({ operator: true })).newPage();
    await fleet.goto(`${service.url}/admin/kiosks`);
    await fleet.waitForSelector('[data-testid="connection"][data-state="online"]', { state: 'attached' });
    await fleet.getByTestId('enroll-id').fill('lobby-1');
    await fleet.getByTestId('enroll-submit').click();
    await fleet.getByTestId('enroll-link').waitFor({ state: 'visible' });
    const link = (await fleet.getByTestId('enroll-url').getAttribute('href'))!;
    expect(link).toMatch(/\/enroll#[\w-]{43}$/);
    await imageLoaded(fleet, 'enroll-qr');
    await screenshot(fleet, 'fleet-enroll-link');

    // Opened on the kiosk, the link enrolls it and lands on the kiosk page, now connected.
    await kiosk.goto(link.replace('http://localhost', 'http://127.0.0.1'));
    await kiosk.waitForURL(`${service.url}/?kiosk=lobby-1`);
    await screenOf(kiosk, 'idle');
    await kiosk.waitForSelector('[data-testid="connection"][data-state="online"]', { state: 'attached' });
    const cookies = await kiosk.context().cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'kiosk_credential', httpOnly: true, sameSite: 'Strict' })]);
    expect(await kiosk.evaluate('document.cookie')).toBe(''); // HttpOnly: no script can read it

    // Signing in works as usual, with the anti-phishing line next to the code (RFC 8628 §5.4).
    const created = kiosk.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/sessions'));
    await kiosk.getByTestId('sign-in').click();
    const session = (await (await created).json()) as SessionView;
    expect(session.kioskId).toBe('lobby-1');
    await screenOf(kiosk, 'signing-in');
    expect(await kiosk.getByTestId('phishing-note').textContent()).toMatch(
      /only enter this code if you are standing at this kiosk/i,
    );
    await imageLoaded(kiosk, 'qr');
    await sim.control.approve(session.userCode, 'Mae Jemison');
    await screenOf(kiosk, 'signed-in');
    expect(await kiosk.getByTestId('profile-name').textContent()).toBe('Mae Jemison');

    // The operator revokes it: the kiosk is disconnected, refused, and says it is not enrolled.
    await fleet.waitForSelector('[data-testid="kiosks"] li[data-kiosk="lobby-1"]');
    fleet.once('dialog', (d) => void d.accept());
    await fleet.locator('[data-testid="revoke"][data-kiosk="lobby-1"]').click();
    await fleet.waitForSelector('[data-testid="kiosks"] li[data-kiosk="lobby-1"]', { state: 'detached' });
    await screenOf(kiosk, 'not-enrolled');
    const refused = await kiosk.evaluate<number>(
      `fetch('/api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status)`,
    );
    expect(refused).toBe(403);
    // Its person was signed out by the revocation (the fleet view sees the session end).
    await fleet.waitForSelector(`[data-testid="sessions"] tr[data-session="${session.id}"]`, { state: 'detached' });
  });

  it('shows the queue dashboard without any CSP violation', async () => {
    const board = await (await context({ operator: true })).newPage();
    await board.goto(`${service.url}/admin/queues`);
    const queue = board.getByText('device-poll', { exact: true }).first();
    await queue.waitFor({ state: 'visible', timeout: 15_000 });
    await queue.click();
    await board.waitForLoadState('networkidle');
  });

  it('would notice a violation: an inline script injected into the kiosk page is blocked and reported', async () => {
    const page = await (await context()).newPage();
    await page.goto(`${service.url}/`);
    const before = violations.length;
    await page.evaluate(
      `(() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.head.append(s); })()`,
    );
    await expect.poll(() => violations.length, { timeout: 5_000 }).toBe(before + 1);
    expect(violations.at(-1)).toMatchObject({ page: '/', directive: 'script-src-elem', blocked: 'inline' });
    expect(await page.evaluate('window.__ran')).toBeUndefined();
    violations.pop();
  });

  it('saw no Content-Security-Policy violation on any page', () => {
    const pages = new Set(violations.map((v) => v.page));
    expect([...pages]).toEqual([]);
    expect(violations).toEqual([]);
  });
});
