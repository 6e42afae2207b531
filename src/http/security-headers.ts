import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import helmet, { HelmetOptions } from 'helmet';
import { AppConfig } from '../config/config.schema';

type Directives = Record<string, string[]>;

/**
 * The service's own pages (kiosk, enrollment, fleet view) are Vite builds: scripts and styles
 * from files only, nothing inline. Images may come from the person's Webex avatar and the
 * enrollment QR code (data:). Nothing may frame any page (clickjacking an operator or a kiosk).
 */
export function strictDirectives(https: boolean): Directives {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    // Avatars come from Webex's CDN (https); a service run over plain http (demo, tests with the
    // simulator elsewhere) may show http ones too, which mixes nothing on an http page.
    'img-src': ["'self'", 'data:', 'https:', ...(https ? [] : ['http:'])],
    'font-src': ["'self'"],
    // 'self' covers the page's own WebSocket (CSP Level 3 matches ws/wss of the same host).
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    // bull-board's page sets <base href> to its own path on this origin.
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    ...(https ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

export function serializeCsp(directives: Directives): string {
  return Object.entries(directives)
    .map(([name, values]) => [name, ...values].join(' '))
    .join('; ');
}

function helmetOptions(directives: Directives, https: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only where the service is reached over https; over plain http it would be ignored at best.
    strictTransportSecurity: https ? { maxAge: 365 * 24 * 3600, includeSubDomains: false } : false,
    xFrameOptions: { action: 'deny' },
  };
}

/**
 * Security headers on every answer (helmet): the strict CSP, `frame-ancestors 'none'`, nosniff,
 * `Referrer-Policy: no-referrer`, HSTS on https. The demo's Webex simulator (`/sim`) stands in
 * for Webex's own pages and keeps its inline stylesheet; it gets the same headers otherwise.
 */
export function securityHeaders(config: AppConfig): RequestHandler {
  const https = config.http.publicUrl.startsWith('https://');
  const strict = helmet(helmetOptions(strictDirectives(https), https));
  const simDirectives = strictDirectives(https);
  const sim = helmet(helmetOptions({ ...simDirectives, 'style-src': ["'self'", "'unsafe-inline'"] }, https));
  return (req, res, next) => (req.path === '/sim' || req.path.startsWith('/sim/') ? sim : strict)(req, res, next);
}

/**
 * bull-board's page (`/admin/queues`) has inline `style` attributes and one `<style>` element on
 * its loading placeholder, and links a Google Fonts stylesheet. Rather than allow inline styles
 * (or a third party) for the operators' pages, the HTML it sends gets the font link removed and
 * its CSP extends `style-src` with the hashes of exactly the inline styles in that HTML
 * (`'unsafe-hashes'` is what CSP Level 3 asks for attribute hashes). Scripts stay 'self' only.
 */
export function bullBoardPage(config: AppConfig): RequestHandler {
  const https = config.http.publicUrl.startsWith('https://');
  return (_req, res, next) => {
    const send = res.send.bind(res) as Response['send'];
    res.send = ((body?: unknown) => {
      if (typeof body === 'string' && /^\s*<!doctype html/i.test(body)) {
        const html = body.replace(/<link[^>]+href="https:\/\/fonts\.googleapis\.com[^>]*>/gi, '');
        res.setHeader('Content-Security-Policy', serializeCsp(withStyleHashes(strictDirectives(https), html)));
        return send(html);
      }
      return send(body);
    }) as Response['send'];
    next();
  };
}

/**
 * `<style>` elements bull-board's own scripts render (pinned @bull-board/ui 9.10.1): the Redis logo's
 * SVG styles and base-ui's scrollbar rule. The Chromium test of the dashboard fails on any other.
 */
const BULL_BOARD_SCRIPT_STYLES = [
  "'sha256-r2N1TB/gHbBtBZFKg7ejmq1acVSREzucTAEw6ga4hoU='",
  "'sha256-kLmvWqfziFavKtqHqRsb90f006UAK2Dmd0It5Iz2KFA='",
];

export function withStyleHashes(directives: Directives, html: string): Directives {
  const inline = [
    ...[...html.matchAll(/\sstyle="([^"]*)"/gi)].map((m) => m[1]),
    ...[...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => m[1]),
  ];
  const hashes = [...new Set(inline)].map(
    (text) =>
      `'sha256-${createHash('sha256')
        .update(decodeEntities(text ?? ''))
        .digest('base64')}'`,
  );
  return { ...directives, 'style-src': ["'self'", "'unsafe-hashes'", ...hashes, ...BULL_BOARD_SCRIPT_STYLES] };
}

/** Attribute values are hashed as the browser sees them, after entity decoding. */
function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Every /api answer is about one kiosk's live state or a secret: no cache may keep it. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};
