import { createServer, type Server, type Socket } from 'node:net';
import { describe, it, expect } from 'vitest';
import {
  classifyTokenAnswer,
  classifyTransportError,
  MAX_LIFETIME_S,
  parseRetryAfter,
  parseTokenSet,
  webexErrorCode,
  type HttpAnswer,
} from './classify-token-answer';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0); // Wed, 15 Jan 2025 12:00:00 GMT

function answer(status: number, body: unknown, retryAfter: string | null = null): HttpAnswer {
  return { status, body, retryAfter };
}

/** Webex's own error dialect, as seen on /v1/device/token. */
function webex(code: string, description = `Webex says ${code}`): unknown {
  return { message: code, errors: [{ description }], trackingId: 'ROUTER_1234' };
}

/** RFC 6749 §5.2 / RFC 8628 §3.5 dialect. */
function rfc(code: string, description = `RFC says ${code}`): unknown {
  return { error: code, error_description: description };
}

const GARBAGE: [string, unknown][] = [
  ['an HTML page', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
  ['plain text', 'upstream connect error'],
  ['truncated JSON', '{"message": "slow_'],
  ['null', null],
  ['undefined', undefined],
  ['an empty array', []],
  ['an array of error bodies', [{ error: 'slow_down' }]],
  ['a number', 42],
  ['a non-string error field', { error: 42, error_description: { nested: true } }],
  ['a non-string message field', { message: ['slow_down'], errors: 'nope' }],
];

const validTokens = {
  access_token: 'ACCESS-SECRET',
  token_type: 'Bearer',
  expires_in: 1209599,
  refresh_token: 'REFRESH-SECRET',
  refresh_token_expires_in: 7775999,
  scope: 'spark:all meeting:recordings_read',
};

describe('classifyTokenAnswer: authorization pending', () => {
  it('reads HTTP 428 as pending whatever the body (Webex dialect)', () => {
    expect(classifyTokenAnswer(answer(428, webex('authorization_pending')), NOW)).toEqual({ kind: 'pending' });
    expect(classifyTokenAnswer(answer(428, null), NOW)).toEqual({ kind: 'pending' });
    expect(classifyTokenAnswer(answer(428, '<html>precondition</html>'), NOW)).toEqual({ kind: 'pending' });
  });

  it.each([400, 401, 403, 409])('reads authorization_pending on HTTP %i in both dialects', (status) => {
    expect(classifyTokenAnswer(answer(status, rfc('authorization_pending')), NOW)).toEqual({ kind: 'pending' });
    expect(classifyTokenAnswer(answer(status, webex('authorization_pending')), NOW)).toEqual({ kind: 'pending' });
  });
});

describe('classifyTokenAnswer: RFC 8628 §3.5 error codes in both dialects', () => {
  it.each([
    ['Webex', webex],
    ['RFC', rfc],
  ])('%s dialect: slow_down', (_name, body) => {
    expect(classifyTokenAnswer(answer(400, body('slow_down')), NOW)).toEqual({ kind: 'slow_down' });
  });

  it.each([
    ['Webex', webex],
    ['RFC', rfc],
  ])('%s dialect: expired_token → expired, with the prose only', (_name, body) => {
    const got = classifyTokenAnswer(answer(400, body('expired_token', 'The device code has expired')), NOW);
    expect(got).toEqual({ kind: 'expired', description: 'The device code has expired' });
  });

  it.each([
    ['Webex', webex],
    ['RFC', rfc],
  ])('%s dialect: access_denied → denied', (_name, body) => {
    const got = classifyTokenAnswer(answer(400, body('access_denied', 'The user denied the request')), NOW);
    expect(got).toEqual({ kind: 'denied', description: 'The user denied the request' });
  });

  it.each([
    ['Webex', webex],
    ['RFC', rfc],
  ])('%s dialect: any other code → fatal with that code', (_name, body) => {
    const got = classifyTokenAnswer(answer(400, body('invalid_grant', 'Bad device code')), NOW);
    expect(got).toEqual({ kind: 'fatal', code: 'invalid_grant', description: 'Bad device code' });
  });

  it('treats 401 invalid_client as fatal, in both dialects', () => {
    expect(classifyTokenAnswer(answer(401, rfc('invalid_client', 'Client auth failed')), NOW)).toEqual({
      kind: 'fatal',
      code: 'invalid_client',
      description: 'Client auth failed',
    });
    expect(classifyTokenAnswer(answer(401, webex('invalid_client')), NOW)).toMatchObject({
      kind: 'fatal',
      code: 'invalid_client',
    });
  });

  it('keeps an unknown code as the fatal code', () => {
    expect(classifyTokenAnswer(answer(400, rfc('unsupported_grant_type')), NOW)).toMatchObject({
      kind: 'fatal',
      code: 'unsupported_grant_type',
    });
  });

  it('reads a body that arrives as JSON text', () => {
    const text = JSON.stringify(webex('slow_down'));
    expect(classifyTokenAnswer(answer(400, text), NOW)).toEqual({ kind: 'slow_down' });
  });

  it('matches codes regardless of case and surrounding space', () => {
    expect(classifyTokenAnswer(answer(400, webex(' Slow_Down ')), NOW)).toEqual({ kind: 'slow_down' });
  });

  it('falls back to http_<status> when the Webex message is a sentence, keeping it as prose', () => {
    const body = { message: 'The request could not be understood', trackingId: 'X' };
    expect(classifyTokenAnswer(answer(400, body), NOW)).toEqual({
      kind: 'fatal',
      code: 'http_400',
      description: 'The request could not be understood',
    });
  });

  it.each([302, 404, 418, 600])('reads HTTP %i without a code as fatal http_<status>', (status) => {
    expect(classifyTokenAnswer(answer(status, '<html>nope</html>'), NOW)).toEqual({
      kind: 'fatal',
      code: `http_${status}`,
      description: '',
    });
  });
});

describe('classifyTokenAnswer: garbage bodies', () => {
  it.each(GARBAGE)('400 with %s is fatal http_400 with no description', (_name, body) => {
    expect(classifyTokenAnswer(answer(400, body), NOW)).toEqual({ kind: 'fatal', code: 'http_400', description: '' });
  });

  it.each(GARBAGE)('428 with %s is still pending', (_name, body) => {
    expect(classifyTokenAnswer(answer(428, body), NOW)).toEqual({ kind: 'pending' });
  });

  it.each(GARBAGE)('503 with %s is still transient', (_name, body) => {
    expect(classifyTokenAnswer(answer(503, body), NOW)).toEqual({
      kind: 'transient',
      reason: 'http_5xx',
      status: 503,
      description: 'HTTP 503',
    });
  });

  it.each(GARBAGE)('200 with %s is fatal invalid_token_response', (_name, body) => {
    expect(classifyTokenAnswer(answer(200, body), NOW)).toMatchObject({
      kind: 'fatal',
      code: 'invalid_token_response',
    });
  });
});

describe('classifyTokenAnswer: 5xx and 429', () => {
  it.each([500, 502, 503, 504, 599])('HTTP %i is transient http_5xx', (status) => {
    expect(classifyTokenAnswer(answer(status, null), NOW)).toEqual({
      kind: 'transient',
      reason: 'http_5xx',
      status,
      description: `HTTP ${status}`,
    });
  });

  it('keeps the prose of a 5xx error body', () => {
    const got = classifyTokenAnswer(answer(503, webex('service_unavailable', 'Try later')), NOW);
    expect(got).toMatchObject({ kind: 'transient', description: 'Try later' });
  });

  it('a 5xx stays transient even if its body names a final code', () => {
    expect(classifyTokenAnswer(answer(500, rfc('access_denied')), NOW)).toMatchObject({ kind: 'transient' });
  });

  it('reads 429 with Retry-After in seconds', () => {
    expect(classifyTokenAnswer(answer(429, null, '30'), NOW)).toEqual({ kind: 'rate_limited', retryAfterMs: 30_000 });
  });

  it('reads 429 with Retry-After as an HTTP-date', () => {
    const got = classifyTokenAnswer(answer(429, null, 'Wed, 15 Jan 2025 12:01:30 GMT'), NOW);
    expect(got).toEqual({ kind: 'rate_limited', retryAfterMs: 90_000 });
  });

  it('reads 429 without Retry-After, or with an unreadable one, as unknown delay', () => {
    expect(classifyTokenAnswer(answer(429, null), NOW)).toEqual({ kind: 'rate_limited', retryAfterMs: null });
    expect(classifyTokenAnswer(answer(429, null, 'soon'), NOW)).toEqual({ kind: 'rate_limited', retryAfterMs: null });
  });

  it('429 wins over a slow_down body: Retry-After is the stronger instruction', () => {
    expect(classifyTokenAnswer(answer(429, webex('slow_down'), '7'), NOW)).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 7_000,
    });
  });
});

describe('classifyTokenAnswer: granted', () => {
  it('turns a 200 token body into a TokenSet with absolute expiry times', () => {
    expect(classifyTokenAnswer(answer(200, validTokens), NOW)).toEqual({
      kind: 'granted',
      tokens: {
        accessToken: 'ACCESS-SECRET',
        refreshToken: 'REFRESH-SECRET',
        accessExpiresAt: NOW + 1209599 * 1000,
        refreshExpiresAt: NOW + 7775999 * 1000,
        scope: 'spark:all meeting:recordings_read',
      },
    });
  });

  it('accepts lifetimes sent as numeric strings and any 2xx', () => {
    const body = { ...validTokens, expires_in: '3600', refresh_token_expires_in: ' 7200 ' };
    const got = classifyTokenAnswer(answer(201, JSON.stringify(body)), NOW);
    expect(got).toMatchObject({
      kind: 'granted',
      tokens: { accessExpiresAt: NOW + 3_600_000, refreshExpiresAt: NOW + 7_200_000 },
    });
  });

  it('reads an absurd lifetime as the longest one taken (found by the property test: 1.8e305 s)', () => {
    const body = { ...validTokens, expires_in: 1.797693134862316e305, refresh_token_expires_in: '9'.repeat(20) };
    const got = classifyTokenAnswer(answer(200, body), NOW);
    expect(got).toMatchObject({
      kind: 'granted',
      tokens: { accessExpiresAt: NOW + MAX_LIFETIME_S * 1000, refreshExpiresAt: NOW + MAX_LIFETIME_S * 1000 },
    });
  });

  it('leaves refresh expiry and scope null when Webex does not say', () => {
    const { refresh_token_expires_in: _r, scope: _s, ...body } = validTokens;
    expect(parseTokenSet(body, NOW)).toEqual({
      accessToken: 'ACCESS-SECRET',
      refreshToken: 'REFRESH-SECRET',
      accessExpiresAt: NOW + 1209599 * 1000,
      refreshExpiresAt: null,
      scope: null,
    });
    expect(parseTokenSet({ ...body, scope: null, refresh_token_expires_in: null }, NOW)).toMatchObject({
      refreshExpiresAt: null,
      scope: null,
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['no access_token', { access_token: undefined }],
    ['an empty access_token', { access_token: '' }],
    ['no expires_in', { expires_in: undefined }],
    ['a word for expires_in', { expires_in: 'soon' }],
    ['a negative expires_in', { expires_in: -1 }],
    ['an infinite expires_in', { expires_in: '1e999' }],
    ['a bogus refresh lifetime', { refresh_token_expires_in: 'forever' }],
  ])('rejects a 200 body with %s, without echoing it', (_name, change) => {
    const got = classifyTokenAnswer(answer(200, { ...validTokens, ...change }), NOW);
    expect(got).toMatchObject({ kind: 'fatal', code: 'invalid_token_response' });
    expect(JSON.stringify(got)).not.toMatch(/SECRET/);
  });
});

it('accepts a 200 body without refresh_token (RFC 6749 §6), marking it empty', () => {
  const got = classifyTokenAnswer(answer(200, { ...validTokens, refresh_token: undefined }), NOW);
  expect(got).toMatchObject({ kind: 'granted', tokens: { refreshToken: '' } });
});

describe('descriptions', () => {
  it('are truncated to 200 characters', () => {
    const long = 'x'.repeat(500);
    for (const body of [rfc('invalid_grant', long), webex('invalid_grant', long)]) {
      const got = webexErrorCode(body);
      expect(got.description).toHaveLength(200);
      expect(got.description.endsWith('…')).toBe(true);
    }
  });

  it('collapse whitespace, so a log line stays one line', () => {
    expect(webexErrorCode(rfc('invalid_grant', '  line one\n\n\tline two  ')).description).toBe('line one line two');
  });

  it.each([400, 401, 500, 503])('never echo token fields that share an error body (HTTP %i)', (status) => {
    const leaky = { ...validTokens, error: 'invalid_grant', message: 'invalid_grant', errors: [{ code: 1 }] };
    const got = classifyTokenAnswer(answer(status, leaky), NOW);
    expect(JSON.stringify(got)).not.toMatch(/SECRET/);
  });

  it('never echo a raw body, even when nothing else is readable', () => {
    const got = classifyTokenAnswer(answer(400, '<html>access_token=ACCESS-SECRET</html>'), NOW);
    expect(JSON.stringify(got)).not.toMatch(/SECRET/);
  });
});

describe('webexErrorCode', () => {
  it('reads the RFC dialect', () => {
    expect(webexErrorCode(rfc('slow_down', 'Poll less'))).toEqual({ code: 'slow_down', description: 'Poll less' });
  });

  it('reads the Webex dialect, taking the first entry that has a description', () => {
    const body = { message: 'expired_token', errors: [{ code: 7 }, { description: 'Too late' }], trackingId: 'T' };
    expect(webexErrorCode(body)).toEqual({ code: 'expired_token', description: 'Too late' });
  });

  it('prefers the RFC `error` when both dialects are present', () => {
    const body = { error: 'access_denied', error_description: 'No', message: 'slow_down' };
    expect(webexErrorCode(body)).toEqual({ code: 'access_denied', description: 'No' });
  });

  it('falls back to `message` when `error` is not a string', () => {
    expect(webexErrorCode({ error: 42, message: 'slow_down' })).toEqual({ code: 'slow_down', description: '' });
  });

  it.each(GARBAGE)('reads nothing from %s', (_name, body) => {
    expect(webexErrorCode(body)).toEqual({ code: null, description: '' });
  });
});

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['1', 1_000],
    [' 120 ', 120_000],
    ['Wed, 15 Jan 2025 12:01:30 GMT', 90_000], // IMF-fixdate
    ['Wednesday, 15-Jan-25 12:02:00 GMT', 120_000], // obsolete RFC 850
    ['Wed Jan 15 12:00:45 2025', 45_000], // asctime
    ['Wed Jan  5 12:00:00 2025', 0], // asctime, padded day, in the past
    ['Tue, 14 Jan 2025 12:00:00 GMT', 0], // in the past: no wait, never negative
  ])('%j → %i ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it.each([
    null,
    '',
    'soon',
    '-5',
    '1.5',
    '1e3',
    '9'.repeat(400),
    '2025-01-15T12:01:00Z',
    'Wed, 31 Feb 2025 12:00:00 GMT',
    'Wed, 15 Jan 2025 25:00:00 GMT',
    'Wed, 15 Jan 2025 12:01:30 PST',
    'wed, 15 jan 2025 12:01:30 gmt',
  ])('%j → null', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeNull();
  });

  it('reads a two-digit RFC 850 year more than 50 years ahead as last century', () => {
    const now = Date.UTC(2030, 0, 1);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(0);
    expect(parseRetryAfter('Monday, 01-Jan-30 00:01:00 GMT', now)).toBe(60_000);
  });
});

describe('classifyTransportError', () => {
  it('reads AbortSignal.timeout as a timeout', () => {
    const err = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classifyTransportError(err)).toEqual({
      kind: 'transient',
      reason: 'timeout',
      status: null,
      description: 'The operation was aborted due to timeout',
    });
  });

  it.each(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])(
    "reads undici's %s as a timeout",
    (code) => {
      const err = new TypeError('fetch failed', { cause: Object.assign(new Error('timed out'), { code }) });
      expect(classifyTransportError(err)).toMatchObject({ kind: 'transient', reason: 'timeout' });
    },
  );

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'])(
    'reads fetch failed caused by %s as a network error, naming the code',
    (code) => {
      const err = new TypeError('fetch failed', { cause: Object.assign(new Error('socket trouble'), { code }) });
      expect(classifyTransportError(err)).toEqual({
        kind: 'transient',
        reason: 'network',
        status: null,
        description: `fetch failed (${code})`,
      });
    },
  );

  it.each([
    ['a string', 'boom'],
    ['null', null],
    ['undefined', undefined],
    ['a plain Error', new Error('odd')],
  ])('reads %s as a network error rather than failing the sign-in', (_name, err) => {
    expect(classifyTransportError(err)).toMatchObject({ kind: 'transient', reason: 'network', status: null });
  });

  it('survives a cause chain that loops', () => {
    const a: { message: string; cause?: unknown } = { message: 'a' };
    a.cause = a;
    expect(classifyTransportError(a)).toMatchObject({ kind: 'transient', reason: 'network', description: 'a' });
  });
});

describe('classifyTransportError against real fetch failures', () => {
  async function withServer(onSocket: (s: Socket) => void, run: (port: number) => Promise<void>): Promise<void> {
    const sockets: Socket[] = [];
    const server: Server = createServer((s) => {
      sockets.push(s);
      onSocket(s);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await run(port);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  it('a server that never answers, cut off by AbortSignal.timeout → timeout', async () => {
    await withServer(
      () => undefined,
      async (port) => {
        const err: unknown = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(50) }).catch(
          (e: unknown) => e,
        );
        expect(classifyTransportError(err)).toMatchObject({ kind: 'transient', reason: 'timeout' });
      },
    );
  });

  it('a connection reset → network', async () => {
    await withServer(
      (s) => s.resetAndDestroy(),
      async (port) => {
        const err: unknown = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
        expect(classifyTransportError(err)).toMatchObject({ kind: 'transient', reason: 'network' });
      },
    );
  });

  it('a refused connection → network, naming ECONNREFUSED', async () => {
    let closedPort = 0;
    await withServer(
      () => undefined,
      (port) => {
        closedPort = port;
        return Promise.resolve();
      },
    );
    const err: unknown = await fetch(`http://127.0.0.1:${closedPort}/`).catch((e: unknown) => e);
    expect(classifyTransportError(err)).toMatchObject({ kind: 'transient', reason: 'network' });
    expect(classifyTransportError(err)).toMatchObject({ description: expect.stringContaining('ECONNREFUSED') });
  });
});
