import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/**
 * Reading untrusted request parts. Bodies arrive as `unknown` (the parent app
 * may have parsed them with `qs`, so a field can be an array or an object);
 * only plain strings are accepted.
 */

export function formString(body: unknown, key: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value: unknown = (body as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * RFC 6749 §4.1.3 / RFC 8628 §3.1: token requests are form-encoded. Checked
 * explicitly because a parent app (NestJS) may already have parsed a JSON
 * body, which Webex would not accept.
 */
export function isFormRequest(req: Request): boolean {
  return req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
}

export function queryString(query: unknown, key: string): string | undefined {
  return formString(query, key);
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** RFC 6749 §2.3.1: `Basic base64(urlencode(id):urlencode(secret))`. */
export function basicCredentials(header: string | undefined): ClientCredentials | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (match?.[1] === undefined) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon)),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  } catch {
    // Malformed percent-encoding: no credentials rather than a 500.
    return null;
  }
}

export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/** Constant-time, so the simulator does not model a timing oracle on secrets. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
