import { z } from 'zod';
import type { TokenAnswer, TokenSet } from './token-answer';

/** One answer of `POST /device/token`, as the HTTP layer saw it. */
export interface HttpAnswer {
  status: number;
  /** The raw `Retry-After` header, or null when absent. */
  retryAfter: string | null;
  /** Parsed JSON, or the raw text: a string is tried as JSON here, since proxies answer HTML. */
  body: unknown;
}

/** Descriptions end up in SessionViews and logs; keep them short enough to read at a glance. */
const MAX_DESCRIPTION = 200;

/**
 * Both error dialects in one lenient shape. Each field falls back to `undefined` on its own, so a
 * malformed neighbour (a numeric `error_description`, say) never hides a readable error code.
 */
const errorBody = z.object({
  // RFC 6749 §5.2 / RFC 8628 §3.5
  error: z.string().optional().catch(undefined),
  error_description: z.string().optional().catch(undefined),
  // Webex: `message` carries the code, `errors[].description` the prose.
  message: z.string().optional().catch(undefined),
  errors: z.array(z.unknown()).optional().catch(undefined),
});

const described = z.object({ description: z.string() });

/**
 * The longest lifetime taken as given. A larger one (a server's "forever", or a broken answer such
 * as `1.8e305`) is read as this much: its expiry must stay a real date, and ten years is longer
 * than any token is used here.
 */
export const MAX_LIFETIME_S = 10 * 365 * 24 * 3600;

/** RFC 6749 §5.1 says number; some servers send `"3600"`. Anything else is not a lifetime. */
const seconds = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number),
  ])
  .pipe(z.number().nonnegative())
  .transform((s) => Math.min(s, MAX_LIFETIME_S));

const tokenBody = z.object({
  access_token: z.string().min(1),
  // RFC 6749 §5.1 only recommends it; whether its absence is acceptable is the caller's choice.
  expires_in: seconds.nullish(),
  // RFC 6749 §6: a refresh answer may omit it (keep the old one); '' marks "none given".
  refresh_token: z.string().nullish(),
  refresh_token_expires_in: seconds.nullish(),
  scope: z.string().nullish(),
});

/**
 * RFC 6749 §5.2 limits `error` to printable ASCII, and codes are snake_case in practice; Webex's
 * `message` is sometimes a sentence instead of a code, which must not be mistaken for one.
 */
const CODE_SHAPE = /^[a-z][a-z0-9_.-]{0,63}$/i;

/** How a provider's token answers are read where providers differ. */
export interface TokenDialect {
  /**
   * The access token's assumed lifetime when `expires_in` is absent (RFC 6749 §5.1 leaves it to
   * documentation). Unset: an answer without it is not a usable token set (Webex always sends it).
   */
  defaultExpiresInS?: number;
}

export function classifyTokenAnswer(answer: HttpAnswer, now: number, dialect: TokenDialect = {}): TokenAnswer {
  const { status } = answer;
  if (status >= 200 && status <= 299) return classifySuccess(answer.body, now, dialect);
  // Webex's dialect for RFC 8628 §3.5 authorization_pending; the body adds nothing.
  if (status === 428) return { kind: 'pending' };
  if (status === 429) {
    return { kind: 'rate_limited', retryAfterMs: parseRetryAfter(answer.retryAfter, now) };
  }
  const { code, description } = webexErrorCode(answer.body);
  if (status >= 500 && status <= 599) {
    return { kind: 'transient', reason: 'http_5xx', status, description: description || `HTTP ${status}` };
  }
  return classifyErrorCode(code, description, status);
}

function classifySuccess(body: unknown, now: number, dialect: TokenDialect): TokenAnswer {
  const tokens = parseTokenSet(body, now, dialect);
  if (tokens) return { kind: 'granted', tokens };
  // Deliberately no body in the description: a half-valid token response still holds tokens.
  return {
    kind: 'fatal',
    code: 'invalid_token_response',
    description: 'The token endpoint answered success without a usable token set.',
  };
}

/** RFC 8628 §3.5 codes, in either dialect, whatever error status (400, 401, 403…) carried them. */
function classifyErrorCode(code: string | null, description: string, status: number): TokenAnswer {
  switch (code) {
    case 'authorization_pending':
      return { kind: 'pending' };
    case 'slow_down':
      return { kind: 'slow_down' };
    case 'expired_token':
      return { kind: 'expired', description };
    // authorization_declined: Entra ID's word for access_denied (the person declined).
    case 'access_denied':
    case 'authorization_declined':
      return { kind: 'denied', description };
    default:
      return { kind: 'fatal', code: code ?? `http_${status}`, description };
  }
}

/** `fetch` rejected: nothing was answered, so the poll may be repeated after a backoff. */
export function classifyTransportError(err: unknown): TokenAnswer {
  const chain = causeChain(err);
  const timedOut = chain.some((e) => e.name === 'TimeoutError' || (e.code !== undefined && TIMEOUT_CODES.has(e.code)));
  return {
    kind: 'transient',
    // Unrecognised errors count as network trouble too: the contract keeps the session pending
    // until it expires rather than failing someone's sign-in over an odd socket error.
    reason: timedOut ? 'timeout' : 'network',
    status: null,
    description: describeChain(chain),
  };
}

/** undici's own timeouts surface as `TypeError: fetch failed` with one of these codes as cause. */
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

interface ErrorLink {
  name: string | undefined;
  code: string | undefined;
  message: string | undefined;
}

function causeChain(err: unknown): ErrorLink[] {
  const chain: ErrorLink[] = [];
  let current = err;
  // `fetch failed` hides the useful part (ECONNREFUSED, …) one or two causes deep.
  while (typeof current === 'object' && current !== null && chain.length < 5) {
    chain.push({
      name: stringProp(current, 'name'),
      code: stringProp(current, 'code'),
      message: stringProp(current, 'message'),
    });
    current = 'cause' in current ? current.cause : undefined;
  }
  return chain;
}

function stringProp(obj: object, key: string): string | undefined {
  const value: unknown = Reflect.get(obj, key);
  return typeof value === 'string' ? value : undefined;
}

function describeChain(chain: ErrorLink[]): string {
  const message = chain.find((e) => e.message)?.message ?? 'request failed';
  const code = chain.find((e) => e.code)?.code;
  return clip(code && !message.includes(code) ? `${message} (${code})` : message);
}

/**
 * RFC 9110 §10.2.3: `Retry-After` is delay-seconds or an HTTP-date. Returns milliseconds from
 * `now`, 0 for a date already past, null when the value is neither.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isFinite(ms) ? ms : null;
  }
  const date = parseHttpDate(text, now);
  return date === null ? null : Math.max(0, date - now);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// RFC 9110 §5.6.7: recipients must accept all three forms. Groups: day, month, year, h, m, s.
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`,
);
// asctime puts the year last: groups month, day, h, m, s, year.
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

function parseHttpDate(text: string, now: number): number | null {
  const imf = IMF_FIXDATE.exec(text);
  if (imf) return utc(Number(imf[3]), imf[2], imf[1], imf.slice(4, 7));
  const rfc850 = RFC850_DATE.exec(text);
  if (rfc850) return utc(fullYear(Number(rfc850[3]), now), rfc850[2], rfc850[1], rfc850.slice(4, 7));
  const asctime = ASCTIME_DATE.exec(text);
  if (asctime) return utc(Number(asctime[6]), asctime[1], asctime[2], asctime.slice(3, 6));
  return null;
}

/** RFC 9110 §5.6.7: a two-digit year more than 50 years ahead means the previous century. */
function fullYear(twoDigits: number, now: number): number {
  const thisYear = new Date(now).getUTCFullYear();
  const candidate = thisYear - (thisYear % 100) + twoDigits;
  return candidate > thisYear + 50 ? candidate - 100 : candidate;
}

function utc(year: number, monthName: string, day: string, time: string[]): number | null {
  const month = MONTHS.indexOf(monthName);
  const d = Number(day);
  const [h = NaN, mi = NaN, s = NaN] = time.map(Number);
  // 31 Feb is not a date; 60 seconds is, for a leap second (RFC 9110 §5.6.7).
  if (new Date(Date.UTC(year, month, d)).getUTCDate() !== d || h > 23 || mi > 59 || s > 60) return null;
  return Date.UTC(year, month, d, h, mi, s);
}

/** RFC 6749 §5.1 success body → TokenSet, or null when it is not one. */
export function parseTokenSet(body: unknown, now: number, dialect: TokenDialect = {}): TokenSet | null {
  const parsed = tokenBody.safeParse(asJson(body));
  if (!parsed.success) return null;
  const t = parsed.data;
  const expiresIn = t.expires_in ?? dialect.defaultExpiresInS;
  if (expiresIn === undefined) return null;
  // Rounded down: a lifetime is never claimed longer than Webex granted.
  const after = (s: number): number => now + Math.floor(s * 1000);
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token ?? '',
    accessExpiresAt: after(expiresIn),
    refreshExpiresAt: t.refresh_token_expires_in == null ? null : after(t.refresh_token_expires_in),
    scope: t.scope ?? null,
  };
}

/**
 * The error code and its prose from either dialect. Only the fields meant for humans are read,
 * never the body itself, so a description cannot leak a token that shares the body.
 */
export function webexErrorCode(body: unknown): { code: string | null; description: string } {
  const parsed = errorBody.safeParse(asJson(body));
  if (!parsed.success) return { code: null, description: '' };
  const { error, error_description, message, errors } = parsed.data;
  const code = asCode(error) ?? asCode(message);
  const webexProse = firstDescription(errors);
  // A Webex `message` that is not a code is the only prose some answers carry.
  const messageProse = message !== undefined && asCode(message) === null ? message : undefined;
  return { code, description: clip(error_description ?? webexProse ?? messageProse ?? '') };
}

function firstDescription(errors: unknown[] | undefined): string | undefined {
  for (const entry of errors ?? []) {
    const parsed = described.safeParse(entry);
    if (parsed.success) return parsed.data.description;
  }
  return undefined;
}

function asCode(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed && CODE_SHAPE.test(trimmed) ? trimmed.toLowerCase() : null;
}

function asJson(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    // HTML from a proxy, or plain text: not a body either dialect can read.
    return null;
  }
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= MAX_DESCRIPTION ? flat : `${flat.slice(0, MAX_DESCRIPTION - 1)}…`;
}
