import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES, NOTICES } from '../../client/src/kiosk';
import { groupUserCode } from '../../client/src/user-code';
import type { SessionView } from '../../src/domain/session';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from '../support/processes';
import {
  imageLoaded,
  KioskPage,
  LANDSCAPE,
  launchBrowser,
  openKiosk,
  pollingRequests,
  PORTRAIT,
  readSession,
  screenshot,
  sessionReads,
  untilTrue,
} from './browser';

/**
 * The kiosk page in a real browser (Debian's Chromium via playwright-core) against the real service
 * and the Webex simulator, all as OS processes: one Redis, one simulator and one service for the
 * whole file, a fresh browser context per test. Screens are photographed into test/artifacts/.
 */
describe('kiosk page in Chromium', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let service: Service;
  let browser: Browser;
  const open: KioskPage[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    [sim, browser] = await Promise.all([startSimulator({ SIM_INTERVAL_S: '1' }), launchBrowser()]);
    service = await startService({ redisUrl: redis.url, simulatorUrl: sim.url });
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((k) => k.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await sim?.stop();
    redis?.stop();
  });

  async function kioskPage(query: Record<string, string> = { kiosk: 'lobby-1' }, viewport = PORTRAIT): Promise<KioskPage> {
    const kiosk = await openKiosk(browser, service.url, { query, viewport });
    open.push(kiosk);
    await kiosk.online();
    return kiosk;
  }

  /** Presses "Sign in with Webex" and waits for the code on screen. */
  async function startSignIn(kiosk: KioskPage): Promise<SessionView> {
    const session = await kiosk.clickAndCreate('sign-in');
    await kiosk.waitForScreen('signing-in');
    expect(await kiosk.text('user-code')).toBe(groupUserCode(session.userCode));
    return session;
  }

  /** Signs Ada in through the simulator and waits for her profile. */
  async function signIn(kiosk: KioskPage): Promise<SessionView> {
    const session = await startSignIn(kiosk);
    await sim.control.approve(session.userCode, 'Ada Lovelace');
    await kiosk.waitForScreen('signed-in');
    expect(await kiosk.text('profile-name')).toBe('Ada Lovelace');
    return session;
  }

  const posts = (kiosk: KioskPage) => kiosk.requests.filter((r) => r.method === 'POST' && r.path === '/api/sessions');

  it('makes no request to create a session until the sign-in button is pressed', async () => {
    const kiosk = await kioskPage();
    expect(await kiosk.screen()).toBe('idle');
    await kiosk.page.locator('[data-testid="sign-in"]').waitFor({ state: 'visible' });
    expect(await kiosk.text('kiosk-id')).toContain('lobby-1');
    // Connected and idle: the page has loaded itself and opened its socket, and asked for nothing else.
    expect(posts(kiosk)).toEqual([]);
    // Only the provider's name for the button (GET /api/provider), nothing about sessions.
    expect(kiosk.requests.filter((r) => r.path.startsWith('/api/') && r.path !== '/api/provider')).toEqual([]);
    expect(kiosk.sockets).toHaveLength(1);
    await screenshot(kiosk.page, 'idle');
    expect(posts(kiosk)).toEqual([]);

    const request = kiosk.page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/sessions');
    const session = await startSignIn(kiosk);
    expect(JSON.parse((await request).postData() ?? 'null')).toEqual({ kioskId: 'lobby-1' });
    expect(posts(kiosk)).toHaveLength(1);
    expect(session).toMatchObject({ kioskId: 'lobby-1', status: 'pending' });

    await kiosk.page.locator('[data-testid="cancel"]').click();
    await kiosk.waitForScreen('idle');
    await expect.poll(async () => (await readSession(service.url, session.id)).status).toBe('cancelled');
    expect(kiosk.errors).toEqual([]);
  });

  it('shows the user code, a loaded QR code and a running countdown', async () => {
    const kiosk = await kioskPage();
    const session = await startSignIn(kiosk);
    expect(session.userCode).not.toBe('');
    await imageLoaded(kiosk.page, 'qr');
    const qr = kiosk.requests.find((r) => r.resourceType === 'image' && r.path === session.qrUrl);
    expect(qr, 'the QR image comes from the session qrUrl').toBeDefined();
    expect(await kiosk.page.locator('[data-testid="qr"]').isVisible()).toBe(true);
    expect(await kiosk.text('verification-uri')).toBe(session.verificationUri);
    expect(await kiosk.text('status')).not.toBe('');

    const first = await kiosk.text('countdown');
    expect(first).toMatch(/^\d+:\d\d$/);
    // It counts down: the text changes by itself (the simulator's codes live 300 s, so it starts near 5:00).
    await untilTrue(
      kiosk.page,
      `document.querySelector('[data-testid="countdown"]')?.textContent !== ${JSON.stringify(first)}`,
      5_000,
    );
    const [m, s] = (await kiosk.text('countdown')).split(':').map(Number) as [number, number];
    expect(m * 60 + s).toBeLessThan(Number(first.split(':')[0]) * 60 + Number(first.split(':')[1]));
    expect(m * 60 + s).toBeGreaterThan(280);

    await screenshot(kiosk.page, 'signing-in', 'kiosk-signing-in');
    // The same screen on a landscape display, without a reload.
    await kiosk.page.setViewportSize(LANDSCAPE);
    await imageLoaded(kiosk.page, 'qr');
    await screenshot(kiosk.page, 'signing-in-landscape');
    expect(kiosk.navigations).toHaveLength(1);

    await kiosk.page.locator('[data-testid="cancel"]').click();
    await kiosk.waitForScreen('idle');
    await expect.poll(async () => (await readSession(service.url, session.id)).status).toBe('cancelled');
    expect(kiosk.errors).toEqual([]);
  });

  it('shows the profile after approval, pushed: no reload and no GET of the session', async () => {
    const kiosk = await kioskPage();
    const session = await startSignIn(kiosk);
    await kiosk.markDocument();
    const mark = kiosk.requests.length;

    await sim.control.approve(session.userCode, 'Ada Lovelace');
    await kiosk.waitForScreen('signed-in');
    expect(await kiosk.text('profile-name')).toBe('Ada Lovelace');

    const during = kiosk.requests.slice(mark);
    expect(sessionReads(during, session.id)).toEqual([]);
    expect(pollingRequests(kiosk.requests)).toEqual([]);
    expect(during.filter((r) => r.path.startsWith('/api/'))).toEqual([]);
    expect(await kiosk.stillSameDocument()).toBe(true);
    expect(kiosk.navigations).toHaveLength(1);
    expect(kiosk.sockets).toHaveLength(1);

    const read = await readSession(service.url, session.id);
    expect(read).toMatchObject({ status: 'authorized', profile: { displayName: 'Ada Lovelace' } });
    expect(await kiosk.text('profile-email')).toBe(read.profile!.emails[0]);
    await imageLoaded(kiosk.page, 'avatar');
    await screenshot(kiosk.page, 'signed-in', 'kiosk-signed-in');
    expect(kiosk.errors).toEqual([]);
  });

  it('signs out back to idle, and the session is signed_out', async () => {
    const kiosk = await kioskPage();
    const session = await signIn(kiosk);
    const deleted = kiosk.page.waitForRequest(
      (r) => r.method() === 'DELETE' && new URL(r.url()).pathname === `/api/sessions/${session.id}`,
    );
    await kiosk.page.locator('[data-testid="sign-out"]').click();
    await kiosk.waitForScreen('idle');
    await deleted;
    expect(await kiosk.text('notice')).toBe(NOTICES.signedOut);
    expect(await kiosk.page.locator('[data-testid="profile-name"]').count()).toBe(0);
    await expect.poll(async () => (await readSession(service.url, session.id)).status).toBe('signed_out');
    expect(kiosk.navigations).toHaveLength(1);
    expect(kiosk.errors).toEqual([]);
  });

  it('shows the expiry message, then returns to idle on its own', async () => {
    const kiosk = await kioskPage();
    // Codes from now on live 3 s; back to the default as soon as this one exists.
    await sim.control.settings({ expiresInS: 3 });
    const session = await startSignIn(kiosk).finally(() => sim.control.settings({ expiresInS: 300 }));
    await kiosk.waitForScreen('expired', 15_000);
    expect(await kiosk.text('message')).toBe(MESSAGES.expired);
    expect(await kiosk.page.locator('[data-testid="try-again"]').isVisible()).toBe(true);
    expect((await readSession(service.url, session.id)).status).toBe('expired');
    await screenshot(kiosk.page, 'expired');
    const shownAt = Date.now();

    // Nobody touches the kiosk: it goes back to the start screen by itself (after about 15 s).
    await kiosk.waitForScreen('idle', 30_000);
    expect(Date.now() - shownAt).toBeGreaterThan(5_000);
    await kiosk.page.locator('[data-testid="sign-in"]').waitFor({ state: 'visible' });
    expect(posts(kiosk)).toHaveLength(1);
    expect(kiosk.navigations).toHaveLength(1);
    expect(kiosk.errors).toEqual([]);
  });

  it('shows the denial message, and "Try again" starts a new sign-in', async () => {
    const kiosk = await kioskPage();
    const session = await startSignIn(kiosk);
    await sim.control.deny(session.userCode);
    await kiosk.waitForScreen('denied');
    expect(await kiosk.text('message')).toBe(MESSAGES.denied);
    expect((await readSession(service.url, session.id)).status).toBe('denied');
    await screenshot(kiosk.page, 'denied');

    const again = await kiosk.clickAndCreate('try-again');
    expect(again.id).not.toBe(session.id);
    await kiosk.waitForScreen('signing-in');
    expect(await kiosk.text('user-code')).toBe(groupUserCode(again.userCode));
    expect(again.userCode).not.toBe(session.userCode);

    await kiosk.page.locator('[data-testid="cancel"]').click();
    await kiosk.waitForScreen('idle');
    await expect.poll(async () => (await readSession(service.url, again.id)).status).toBe('cancelled');
    expect((await readSession(service.url, session.id)).status).toBe('denied');
    expect(kiosk.errors).toEqual([]);
  });

  it('signs an idle person out after ?idle= seconds without activity', async () => {
    const kiosk = await kioskPage({ kiosk: 'lobby-1', idle: '3' });
    const session = await signIn(kiosk);
    const signedInAt = Date.now();
    // No input from here on: the page must sign out by itself.
    await kiosk.waitForScreen('idle', 15_000);
    expect(Date.now() - signedInAt).toBeGreaterThanOrEqual(2_000);
    expect(await kiosk.text('notice')).toBe(NOTICES.idle);
    await expect.poll(async () => (await readSession(service.url, session.id)).status).toBe('signed_out');
    expect(kiosk.navigations).toHaveLength(1);
    expect(kiosk.errors).toEqual([]);
  });
});
