import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { groupUserCode } from '../../client/src/user-code';
import type { SessionView } from '../../src/domain/session';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from '../support/processes';
import { imageLoaded, KioskPage, launchBrowser, openKiosk, readSession, screenshot, untilTrue } from './browser';

/** Box of the first element matching `selector`, as the page lays it out (CSS pixels). */
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function box(page: Page, selector: string): Promise<Box> {
  const found = await page.locator(selector).first().boundingBox();
  if (found === null) throw new Error(`${selector} is not laid out`);
  return found;
}

/** A computed style property, read in the page (string expression: this tsconfig has no DOM types). */
async function computed(page: Page, selector: string, property: string): Promise<string> {
  return page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(selector)})).${property}`);
}

/**
 * The kiosk details a person notices (issue #13.4–6), in Debian's Chromium against the real service
 * and the standalone Webex simulator: a round portrait whatever the screen's shape, the time left
 * before the automatic sign-out (and a touch that extends it), and the user code grouped as RFC 8628
 * §6.1 suggests, typed back in any form on the verification page.
 */
describe('kiosk details in Chromium', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let service: Service;
  let browser: Browser;
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    redis = await startRedis();
    [sim, browser] = await Promise.all([startSimulator({ SIM_INTERVAL_S: '1' }), launchBrowser()]);
    service = await startService({ redisUrl: redis.url, simulatorUrl: sim.url });
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await sim?.stop();
    redis?.stop();
  });

  async function kioskPage(viewport: { width: number; height: number }, query: Record<string, string> = {}): Promise<KioskPage> {
    const kiosk = await openKiosk(browser, service.url, { query: { kiosk: 'lobby-1', ...query }, viewport });
    open.push(kiosk);
    // Screens slide in; measured boxes must not catch an element mid-way.
    await kiosk.page.emulateMedia({ reducedMotion: 'reduce' });
    await kiosk.online();
    return kiosk;
  }

  async function signIn(kiosk: KioskPage, name = 'Ada Lovelace'): Promise<SessionView> {
    const session = await kiosk.clickAndCreate('sign-in');
    await kiosk.waitForScreen('signing-in');
    await sim.control.approve(session.userCode, name);
    await kiosk.waitForScreen('signed-in');
    return session;
  }

  describe.each([
    { name: 'landscape 1280×800', viewport: { width: 1280, height: 800 } },
    { name: 'portrait 800×1280', viewport: { width: 800, height: 1280 } },
    { name: 'landscape 1920×1080', viewport: { width: 1920, height: 1080 } },
    { name: 'portrait 1080×1920', viewport: { width: 1080, height: 1920 } },
  ])('the signed-in screen, $name', ({ name, viewport }) => {
    it('shows the portrait as a circle, and everything on the screen without clipping', async () => {
      const kiosk = await kioskPage(viewport);
      await signIn(kiosk);
      await imageLoaded(kiosk.page, 'avatar');

      const avatar = await box(kiosk.page, '.avatar');
      const image = await box(kiosk.page, '.avatar img');
      expect(Math.round(avatar.width)).toBe(Math.round(avatar.height));
      expect(avatar.width).toBeGreaterThan(Math.min(viewport.width, viewport.height) * 0.15);
      expect(image).toEqual(avatar);
      expect(await computed(kiosk.page, '.avatar', 'borderRadius')).toBe('50%');
      expect(await computed(kiosk.page, '.avatar', 'overflow')).toBe('hidden');

      // Nothing is cut off by the page: the sign-out button and the idle note are inside <main>.
      const main = await box(kiosk.page, 'main');
      for (const selector of [
        '.avatar',
        '[data-testid="profile-name"]',
        '[data-testid="sign-out"]',
        '[data-testid="idle-warning"]',
      ]) {
        const b = await box(kiosk.page, selector);
        expect(b.y, selector).toBeGreaterThanOrEqual(main.y);
        expect(b.y + b.height, selector).toBeLessThanOrEqual(main.y + main.height + 0.5);
      }
      await screenshot(kiosk.page, `details-signed-in-${name.replace(/\W+/g, '-')}`);
      expect(kiosk.errors).toEqual([]);
    });
  });

  it('shows the time left in the last 30 s, and a touch or a key press gives the full time back', async () => {
    // 33 s: the warning starts 3 s after sign-in, so the test waits for it without a long idle.
    const kiosk = await kioskPage({ width: 1280, height: 800 }, { idle: '33' });
    const session = await signIn(kiosk);
    const note = kiosk.page.locator('[data-testid="idle-warning"]');
    const warning = /^Signing out in 0:([0-3]\d) — touch the screen to stay signed in\.$/;
    const calm = 'You will be signed out after 33 seconds without a touch.';

    await kiosk.page.waitForSelector('[data-testid="idle-warning"][data-warn="false"]', { state: 'attached' });
    expect(await note.textContent()).toBe(calm);

    await kiosk.page.waitForSelector('[data-testid="idle-warning"][data-warn="true"]', { state: 'attached', timeout: 10_000 });
    const shown = (await note.textContent()) ?? '';
    expect(shown).toMatch(warning);
    expect(Number(warning.exec(shown)![1])).toBeLessThanOrEqual(30);
    expect(await note.getAttribute('class')).toContain('warn');
    // The count goes down while nobody touches the screen.
    const first = Number(warning.exec(shown)![1]);
    await untilTrue(
      kiosk.page,
      `(() => { const m = /0:(\\d\\d)/.exec(document.querySelector('[data-testid="idle-warning"]').textContent); return m !== null && Number(m[1]) < ${first}; })()`,
    );
    await screenshot(kiosk.page, 'details-idle-warning');

    // A touch: pointerdown, without moving the pointer first.
    await kiosk.page.mouse.down();
    await kiosk.page.mouse.up();
    await kiosk.page.waitForSelector('[data-testid="idle-warning"][data-warn="false"]', { state: 'attached', timeout: 5_000 });
    expect(await note.textContent()).toBe(calm);

    // The warning comes back after another quiet spell, and a key press ends it too.
    await kiosk.page.waitForSelector('[data-testid="idle-warning"][data-warn="true"]', { state: 'attached', timeout: 10_000 });
    await kiosk.page.keyboard.press('Shift');
    await kiosk.page.waitForSelector('[data-testid="idle-warning"][data-warn="false"]', { state: 'attached', timeout: 5_000 });

    // Still signed in on the kiosk and on the server.
    expect(await kiosk.screen()).toBe('signed-in');
    expect((await readSession(service.url, session.id)).status).toBe('authorized');
    expect(kiosk.errors).toEqual([]);
  });

  it('shows the user code grouped, keeps the provider’s code, and the verification page takes it typed in any form', async () => {
    const kiosk = await kioskPage({ width: 1280, height: 800 });
    const session = await kiosk.clickAndCreate('sign-in');
    await kiosk.waitForScreen('signing-in');
    // The SessionView keeps the code as Webex (here the simulator) sent it: no dash added.
    expect(session.userCode).toMatch(/^[0-9A-Z]{8}$/);
    expect((await readSession(service.url, session.id)).userCode).toBe(session.userCode);
    const shown = await kiosk.text('user-code');
    expect(shown).toBe(`${session.userCode.slice(0, 4)}-${session.userCode.slice(4)}`);
    expect(shown).toBe(groupUserCode(session.userCode));
    await screenshot(kiosk.page, 'details-grouped-code');

    // A phone opens the verification address and types what it sees, sloppily.
    const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    open.push(phoneContext);
    const phone = await phoneContext.newPage();
    await phone.goto(session.verificationUri);
    await phone.locator('#userCode').fill(`  ${shown.toLowerCase()} `);
    await phone.locator('button[type="submit"]').click();
    await phone.waitForSelector('button[value="approve"]');
    expect(await phone.locator('.code').textContent()).toBe(shown);
    await phone.locator('#displayName').fill('Grace Hopper');
    await phone.locator('button[value="approve"]').click();
    await phone.waitForSelector('h1.ok');

    await kiosk.waitForScreen('signed-in');
    expect(await kiosk.text('profile-name')).toBe('Grace Hopper');
    expect(kiosk.errors).toEqual([]);
  });
});
