import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from '../support/processes';
import { DASHBOARD_VIEWPORT, launchBrowser, screenshot } from './browser';

interface Violation {
  page: string;
  directive: string;
  blocked: string;
  source: string;
}

/**
 * Issue #13.9 in Chromium: the API docs page (`/api/docs`, Swagger UI bundled by Vite, no CDN)
 * renders every documented operation and the Socket.IO events, under its Content-Security-Policy
 * with no violation, no console error and no request to anything but this service.
 */
describe('API docs page in Chromium', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let service: Service;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    redis = await startRedis();
    [sim, browser] = await Promise.all([startSimulator(), launchBrowser()]);
    service = await startService({ redisUrl: redis.url, simulatorUrl: sim.url });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await service?.stop();
    await sim?.stop();
    redis?.stop();
  });

  it('shows every operation and every Socket.IO event, with no CSP violation or console error', async () => {
    context = await browser.newContext({ viewport: DASHBOARD_VIEWPORT });
    const violations: Violation[] = [];
    await context.exposeFunction('__reportCsp', (v: Violation) => violations.push(v));
    await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => window.__reportCsp({
      page: location.pathname, directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile + ':' + e.lineNumber }));`);
    const page = await context.newPage();
    const errors: string[] = [];
    const origins = new Set<string>();
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('request', (req) => origins.add(new URL(req.url()).origin));

    const res = await page.goto(`${service.url}/api/docs`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);

    const doc = (await (await fetch(`${service.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 20_000 }).toBe(operations);
    expect(await page.locator('.opblock-summary-path').allTextContents()).toEqual(
      expect.arrayContaining(['/api/sessions', '/api/sessions/{id}', '/admin/kiosks/enrollments', '/api/openapi.json']),
    );

    const async = (await (await fetch(`${service.url}/api/asyncapi.json`)).json()) as { operations: Record<string, unknown> };
    await expect
      .poll(() => page.locator('[data-testid="socket-events"] tr[data-event]').count(), { timeout: 10_000 })
      .toBe(Object.keys(async.operations).length);
    const events = await page
      .locator('[data-testid="socket-events"] tr[data-event]')
      .evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { event: string } }).dataset.event));
    expect(new Set(events)).toEqual(
      new Set([
        'session:watch',
        'session:unwatch',
        'session:update',
        'fleet:snapshot',
        'fleet:kiosks',
        'fleet:stats',
        'fleet:sessions',
        'fleet:kiosks-changed',
        'fleet:upstream',
      ]),
    );

    // Open one operation: its error codes are listed.
    await page
      .locator('.opblock-summary-path', { hasText: /^\/api\/sessions$/ })
      .first()
      .click();
    await expect
      .poll(() => page.locator('.responses-table').first().textContent(), { timeout: 10_000 })
      .toMatch(/upstream_error/);
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'api-docs');

    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    expect([...origins]).toEqual([new URL(service.url).origin]);
  });
});
