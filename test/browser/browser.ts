import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { SessionView } from '../../src/domain/session';
import { ROOT } from '../support/processes';

/**
 * Browser end-to-end helpers: Debian's Chromium driven by playwright-core (no browser download),
 * one browser per test file and a fresh context per kiosk page, recording everything the page does
 * so tests can assert on what it did NOT do (create a session unasked, poll, reload).
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;

export const PORTRAIT = { width: 1080, height: 1920 } as const;
export const LANDSCAPE = { width: 1920, height: 1080 } as const;

export const SCREENSHOT_DIR = join(ROOT, 'test', 'artifacts', 'screenshots');
export const DOCS_SCREENSHOT_DIR = join(ROOT, 'docs', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
}

export type Screen = 'idle' | 'signing-in' | 'signed-in' | 'denied' | 'expired' | 'failed' | 'error';

export interface RecordedRequest {
  method: string;
  url: string;
  /** Path and query, for same-origin requests; the full URL otherwise. */
  path: string;
  resourceType: string;
  at: number;
}

export interface KioskPage {
  page: Page;
  context: BrowserContext;
  /** Every HTTP request the page made (WebSocket upgrades are in `sockets`), in order. */
  requests: RecordedRequest[];
  /** Every WebSocket the page opened, by URL, in order. */
  sockets: string[];
  /** Console messages of type `error` and uncaught exceptions (`pageerror`), as readable lines. */
  errors: string[];
  /** Main-frame navigations: exactly one (the initial load) unless the page reloaded or navigated. */
  navigations: string[];
  /** Resolves once the Socket.IO link is up (the header's connection indicator says online). */
  online(timeoutMs?: number): Promise<void>;
  waitForScreen(screen: Screen, timeoutMs?: number): Promise<void>;
  screen(): Promise<string | null>;
  /** Text of a `data-testid` element, once it is visible. */
  text(testid: string, timeoutMs?: number): Promise<string>;
  /** Sets a marker on `window`; `stillSameDocument()` is true only if the page has not been reloaded since. */
  markDocument(): Promise<void>;
  stillSameDocument(): Promise<boolean>;
  /** Clicks a button and resolves with the session the page created with it (POST /api/sessions). */
  clickAndCreate(testid: string): Promise<SessionView>;
  close(): Promise<void>;
}

/** Everything a page does that tests assert on: requests, sockets and their frames, errors, navigations. */
function record(page: Page, baseUrl: string) {
  const origin = new URL(baseUrl).origin;
  const requests: RecordedRequest[] = [];
  const sockets: string[] = [];
  const framesReceived: string[] = [];
  const framesSent: string[] = [];
  const errors: string[] = [];
  const navigations: string[] = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    requests.push({
      method: req.method(),
      url: req.url(),
      path: url.origin === origin ? `${url.pathname}${url.search}` : req.url(),
      resourceType: req.resourceType(),
      at: Date.now(),
    });
  });
  page.on('websocket', (ws) => {
    sockets.push(ws.url());
    ws.on('framereceived', (frame) => {
      if (typeof frame.payload === 'string') framesReceived.push(frame.payload);
    });
    ws.on('framesent', (frame) => {
      if (typeof frame.payload === 'string') framesSent.push(frame.payload);
    });
  });
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location().url;
    errors.push(`console.error: ${msg.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.stack ?? err.message}`));
  page.on('crash', () => errors.push('page crashed'));
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations.push(frame.url());
  });
  return { requests, sockets, framesReceived, framesSent, errors, navigations };
}

export async function openKiosk(
  browser: Browser,
  baseUrl: string,
  opts: { query?: Record<string, string>; viewport?: { width: number; height: number } } = {},
): Promise<KioskPage> {
  const context = await browser.newContext({ viewport: opts.viewport ?? PORTRAIT, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const { requests, sockets, errors, navigations } = record(page, baseUrl);

  const query = new URLSearchParams(opts.query ?? {}).toString();
  await page.goto(`${baseUrl}/${query ? `?${query}` : ''}`, { waitUntil: 'load' });

  const testid = (id: string) => page.locator(`[data-testid="${id}"]`);
  return {
    page,
    context,
    requests,
    sockets,
    errors,
    navigations,
    online: async (timeoutMs = 15_000) => {
      await page.waitForSelector('[data-testid="connection"][data-state="online"]', { state: 'attached', timeout: timeoutMs });
    },
    waitForScreen: async (screen, timeoutMs = 15_000) => {
      await page.waitForSelector(`main[data-screen="${screen}"]`, { state: 'attached', timeout: timeoutMs });
    },
    screen: () => page.locator('main').getAttribute('data-screen'),
    text: async (id, timeoutMs = 15_000) => {
      await testid(id).waitFor({ state: 'visible', timeout: timeoutMs });
      return (await testid(id).textContent())?.trim() ?? '';
    },
    markDocument: async () => {
      await page.evaluate('window.__kioskTestMarker = "same-document"');
    },
    stillSameDocument: async () => (await page.evaluate('window.__kioskTestMarker')) === 'same-document',
    clickAndCreate: async (id) => {
      const created = page.waitForResponse(
        (res) => res.request().method() === 'POST' && new URL(res.url()).pathname === '/api/sessions',
      );
      await testid(id).click();
      const res = await created;
      if (res.status() !== 201) throw new Error(`POST /api/sessions answered ${res.status()}: ${await res.text()}`);
      return (await res.json()) as SessionView;
    },
    close: () => context.close(),
  };
}

/** Resolves once the `<img>` with this data-testid has loaded a real image (naturalWidth > 0). */
export async function imageLoaded(page: Page, testid: string, timeoutMs = 10_000): Promise<void> {
  // A string expression: it runs in the page, and this project's tsconfig has no DOM types.
  const selector = JSON.stringify(`img[data-testid="${testid}"]`);
  await untilTrue(
    page,
    `(() => { const img = document.querySelector(${selector}); return img !== null && img.complete && img.naturalWidth > 0; })()`,
    timeoutMs,
  );
}

/**
 * Resolves once `expression` is true in the page. Polled from here with `page.evaluate` rather than
 * `page.waitForFunction`, whose in-page polling evaluates the string with `eval`, which the pages'
 * Content-Security-Policy (no 'unsafe-eval') rightly refuses.
 */
export async function untilTrue(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await page.evaluate<unknown>(expression)) !== true) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await page.waitForTimeout(50);
  }
}

/**
 * Saves a screenshot to test/artifacts/screenshots/<name>.png (gitignored). With `docsName` and
 * UPDATE_DOCS_SCREENSHOTS=1 it is also copied to docs/screenshots/<docsName>.png, the images the
 * README shows; normal runs never rewrite those committed files.
 */
export async function screenshot(page: Page, name: string, docsName?: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  // Frozen animations (the pulsing dot, the countdown bar's transition) make the images stable.
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  if (docsName !== undefined && process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS_SCREENSHOT_DIR, { recursive: true });
    copyFileSync(file, join(DOCS_SCREENSHOT_DIR, `${docsName}.png`));
  }
  return file;
}

/** The session as the service sees it, read by the test (never by the page). */
export async function readSession(baseUrl: string, id: string): Promise<SessionView> {
  const res = await fetch(`${baseUrl}/api/sessions/${encodeURIComponent(id)}`);
  if (res.status !== 200) throw new Error(`GET /api/sessions/${id} answered ${res.status}`);
  return (await res.json()) as SessionView;
}

/** GETs of one session's state, which the kiosk page must never make (it is pushed over Socket.IO). */
export function sessionReads(requests: RecordedRequest[], id: string): RecordedRequest[] {
  const path = `/api/sessions/${id}`;
  return requests.filter((r) => r.method === 'GET' && (r.path === path || r.path.startsWith(`${path}?`)));
}

/** Anything that looks like polling: a GET of any session, or Socket.IO's long-polling transport. */
export function pollingRequests(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter(
    (r) =>
      (r.method === 'GET' && /^\/api\/sessions\/[^/?]+(\?|$)/.test(r.path)) || /^\/socket\.io\/.*transport=polling/.test(r.path),
  );
}

/** The operator pages (`/admin/*`) are photographed at a desktop size. */
export const DASHBOARD_VIEWPORT = { width: 1600, height: 1000 } as const;

/** The Basic credentials `startService` gives the service's `/admin/*` pages. */
export const OPS_CREDENTIALS = { username: 'ops', password: 'correct-horse-battery' } as const;

export interface AdminPage {
  page: Page;
  context: BrowserContext;
  /** The status of the page's own document (401 without credentials), or null if none arrived. */
  status: number | null;
  /** That answer's headers (lower-case names). */
  headers: Record<string, string>;
  /** Why the navigation failed, if it did (Chromium fails a Basic challenge it has no credentials for). */
  navigationError: string | null;
  /** Every HTTP request the page made, in order (WebSockets are in `sockets`). */
  requests: RecordedRequest[];
  sockets: string[];
  /** Every text frame the page's WebSockets received, in order. */
  framesReceived: string[];
  /** Every text frame the page's WebSockets sent, in order. */
  framesSent: string[];
  /** Console errors, uncaught exceptions and crashes, as readable lines. */
  errors: string[];
  navigations: string[];
  close(): Promise<void>;
}

/**
 * Opens an operator page (`/admin/kiosks`, `/admin/queues`) in a fresh context, with or without
 * HTTP Basic credentials, recording what the page does as `openKiosk` does for kiosks.
 */
export async function openAdmin(
  browser: Browser,
  baseUrl: string,
  path: string,
  opts: { credentials?: { username: string; password: string } | null; viewport?: { width: number; height: number } } = {},
): Promise<AdminPage> {
  const credentials = opts.credentials === undefined ? OPS_CREDENTIALS : opts.credentials;
  const context = await browser.newContext({
    viewport: opts.viewport ?? DASHBOARD_VIEWPORT,
    deviceScaleFactor: 1,
    ...(credentials ? { httpCredentials: { ...credentials } } : {}),
  });
  const page = await context.newPage();
  const { requests, sockets, framesReceived, framesSent, errors, navigations } = record(page, baseUrl);
  // The document's own answer, seen even when the navigation then fails: without credentials
  // Chromium answers a Basic challenge by failing it (net::ERR_INVALID_AUTH_CREDENTIALS).
  const target = `${baseUrl}${path}`;
  let answer: { status: number; headers: Record<string, string> } | null = null;
  page.on('response', (res) => {
    if (answer === null && res.request().isNavigationRequest() && res.url() === target) {
      answer = { status: res.status(), headers: res.headers() };
    }
  });
  let navigationError: string | null = null;
  try {
    await page.goto(target, { waitUntil: 'load' });
  } catch (err) {
    navigationError = err instanceof Error ? err.message : String(err);
  }
  return {
    page,
    context,
    status: (answer as { status: number } | null)?.status ?? null,
    headers: (answer as { headers: Record<string, string> } | null)?.headers ?? {},
    navigationError,
    requests,
    sockets,
    framesReceived,
    framesSent,
    errors,
    navigations,
    close: () => context.close(),
  };
}
