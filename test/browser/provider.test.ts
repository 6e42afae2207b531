import type { Browser } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type TestIdp } from '../support/oidc-provider';
import { startOidcService } from '../support/oidc-service';
import { type Service, startRedis, startService, startSimulator, type Simulator, type TestRedis } from '../support/processes';
import {
  type AdminPage,
  imageLoaded,
  type KioskPage,
  launchBrowser,
  openAdmin,
  openKiosk,
  PORTRAIT,
  screenshot,
} from './browser';

/**
 * The kiosk page and the fleet view name the provider people sign in with, in Chromium: an
 * OpenID provider that sends no verification_uri_complete (as Entra ID and Google), and Webex.
 */
describe('the provider on the kiosk page and the fleet view', () => {
  let redis: TestRedis;
  let idp: TestIdp;
  let sim: Simulator;
  let oidc: Service;
  let webex: Service;
  let browser: Browser;
  const open: Array<KioskPage | AdminPage> = [];

  beforeAll(async () => {
    [redis, idp, sim, browser] = await Promise.all([
      startRedis(),
      startOidcProvider({ intervalS: 1, omitCompleteUri: true }),
      startSimulator({ SIM_INTERVAL_S: '1' }),
      launchBrowser(),
    ]);
    [oidc, webex] = await Promise.all([
      startOidcService({ redisUrl: redis.url, issuer: idp.issuer, client: 'basic', name: 'Contoso' }),
      startService({ redisUrl: redis.url, simulatorUrl: sim.url }),
    ]);
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([oidc?.stop(), webex?.stop(), sim?.stop(), idp?.close()]);
    redis?.stop();
  });

  async function kioskPage(service: Service): Promise<KioskPage> {
    const kiosk = await openKiosk(browser, service.url, { query: { kiosk: 'lobby-1' }, viewport: PORTRAIT });
    open.push(kiosk);
    await kiosk.online();
    return kiosk;
  }

  const brand = (kiosk: KioskPage) => kiosk.page.locator('[data-testid="brand-name"]').textContent();

  it('OIDC: "Sign in with Contoso" before any session, the code to type, then the userinfo profile', async () => {
    const kiosk = await kioskPage(oidc);
    await expect.poll(() => kiosk.text('sign-in')).toBe('Sign in with Contoso');
    expect(await brand(kiosk)).toBe('Contoso sign-in');
    expect(await kiosk.page.title()).toBe('Contoso sign-in');
    expect(kiosk.requests.filter((r) => r.path === '/api/sessions')).toEqual([]);

    const session = await kiosk.clickAndCreate('sign-in');
    await kiosk.waitForScreen('signing-in');
    // No complete URI from the provider: nothing invented, the QR code opens the plain page…
    expect(session.verificationUriComplete).toBe(session.verificationUri);
    const svg = await (await fetch(`${oidc.url}${session.qrUrl}`)).text();
    expect(svg).toBe(await QRCode.toString(session.verificationUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    // …and the kiosk puts the code to type first.
    expect(await kiosk.page.locator('[data-code-entry]').getAttribute('data-code-entry')).toBe('typed');
    expect(await kiosk.text('user-code')).toBe(session.userCode);
    expect(await kiosk.text('verification-uri')).toBe(session.verificationUri);
    await screenshot(kiosk.page, 'oidc-code-to-type');

    await idp.approve(session.userCode, 'ada');
    await kiosk.waitForScreen('signed-in');
    expect(await kiosk.text('profile-name')).toBe('Ada Lovelace');
    expect(await kiosk.text('profile-email')).toBe('ada@example.test');
    await imageLoaded(kiosk.page, 'avatar');
    await screenshot(kiosk.page, 'oidc-signed-in');
    expect(kiosk.errors).toEqual([]);
  });

  it('OIDC: the fleet view shows which provider each session signs in with', async () => {
    const kiosk = await kioskPage(oidc);
    await expect.poll(() => kiosk.text('sign-in')).toBe('Sign in with Contoso');
    const session = await kiosk.clickAndCreate('sign-in');
    const admin = await openAdmin(browser, oidc.url, '/admin/kiosks');
    open.push(admin);
    const cell = admin.page.locator(`tr[data-session="${session.id}"] td[data-testid="provider"]`);
    await cell.waitFor({ state: 'visible', timeout: 15_000 });
    expect((await cell.textContent())?.trim()).toBe('Contoso');
  });

  it('Webex: "Sign in with Webex", and a QR code that carries the code', async () => {
    const kiosk = await kioskPage(webex);
    await expect.poll(() => kiosk.text('sign-in')).toBe('Sign in with Webex');
    expect(await brand(kiosk)).toBe('Webex sign-in');
    await kiosk.clickAndCreate('sign-in');
    await kiosk.waitForScreen('signing-in');
    expect(await kiosk.page.locator('[data-code-entry]').getAttribute('data-code-entry')).toBe('scanned');
    expect(kiosk.errors).toEqual([]);
  });
});
