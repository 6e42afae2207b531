import { describe, expect, it } from 'vitest';
import {
  causeOfAuthorizeFailure,
  causeOfTokenAnswer,
  isHealthyTokenAnswer,
  problemMessage,
  problemOf,
  safeMessage,
} from './upstream';

const NOW = Date.parse('2026-01-01T10:00:00Z');

describe('upstream failure causes', () => {
  it('names the cause of a failed sign-in start', () => {
    const base = { code: null, transport: null, retryAfterMs: null };
    expect(causeOfAuthorizeFailure({ ...base, status: null, transport: 'network' }, 'x', NOW).cause).toBe('unreachable');
    expect(causeOfAuthorizeFailure({ ...base, status: null, transport: 'timeout' }, 'x', NOW).cause).toBe('timeout');
    expect(causeOfAuthorizeFailure({ ...base, status: 400, code: 'invalid_client' }, 'x', NOW).cause).toBe('client_refused');
    expect(causeOfAuthorizeFailure({ ...base, status: 401 }, 'x', NOW).cause).toBe('client_refused');
    expect(causeOfAuthorizeFailure({ ...base, status: 400, code: 'invalid_scope' }, 'x', NOW).cause).toBe('refused');
    expect(causeOfAuthorizeFailure({ ...base, status: 503 }, 'x', NOW).cause).toBe('server_error');
    expect(causeOfAuthorizeFailure({ ...base, status: 200 }, 'x', NOW).cause).toBe('bad_answer');
    const limited = causeOfAuthorizeFailure({ ...base, status: 429, retryAfterMs: 120_000 }, 'x', NOW);
    expect(limited).toMatchObject({ cause: 'rate_limited', until: NOW + 120_000, call: 'authorize' });
  });

  it('names the cause of a failed poll or refresh, and leaves answers that end one sign-in to the session list', () => {
    expect(causeOfTokenAnswer('token', { kind: 'rate_limited', retryAfterMs: null }, NOW)).toMatchObject({
      cause: 'rate_limited',
      until: NOW + 60_000,
    });
    expect(
      causeOfTokenAnswer(
        'token',
        { kind: 'transient', reason: 'network', status: null, description: 'fetch failed (ECONNREFUSED)' },
        NOW,
      ),
    ).toMatchObject({ cause: 'unreachable', message: 'fetch failed (ECONNREFUSED)' });
    expect(
      causeOfTokenAnswer('refresh', { kind: 'transient', reason: 'http_5xx', status: 502, description: 'HTTP 502' }, NOW),
    ).toMatchObject({ cause: 'server_error', status: 502 });
    expect(causeOfTokenAnswer('token', { kind: 'fatal', code: 'invalid_client', description: 'bad secret' }, NOW)).toMatchObject({
      cause: 'client_refused',
      code: 'invalid_client',
    });
    expect(causeOfTokenAnswer('token', { kind: 'fatal', code: 'invalid_grant', description: '' }, NOW)).toBeNull();
    expect(causeOfTokenAnswer('token', { kind: 'pending' }, NOW)).toBeNull();
    expect(isHealthyTokenAnswer({ kind: 'pending' })).toBe(true);
    expect(isHealthyTokenAnswer({ kind: 'rate_limited', retryAfterMs: 1 })).toBe(false);
  });

  it('maps causes to lasting problems and tells the operator what to check, per provider', () => {
    expect(problemOf('timeout')).toBe('unreachable');
    expect(problemOf('server_error')).toBeNull();
    expect(problemMessage('client_refused', { kind: 'webex', name: 'Webex' }, 'invalid_client')).toMatch(/WEBEX_CLIENT_SECRET/);
    expect(problemMessage('unreachable', { kind: 'oidc', name: 'Contoso' }, 'ENOTFOUND')).toMatch(
      /^Contoso cannot be reached.*OIDC_ISSUER/,
    );
  });

  it('never lets a secret or a wall of text through', () => {
    expect(safeMessage('client s3cr3t-value refused\n\n  twice', ['s3cr3t-value'])).toBe('client [redacted] refused twice');
    expect(safeMessage('x'.repeat(500), [])).toHaveLength(200);
  });
});
