import { describe, expect, it } from 'vitest';
import { classifyTokenAnswer, type HttpAnswer, type TokenDialect } from './classify-token-answer';

/**
 * Token endpoint answers of standards OpenID providers (RFC 6749 §5, RFC 8628 §3.5), as recorded
 * from each provider's documentation and observed answers; secrets shortened.
 */
const NOW = Date.UTC(2025, 5, 1, 9, 0, 0);
const OIDC: TokenDialect = { defaultExpiresInS: 300 };

function answer(status: number, body: unknown, retryAfter: string | null = null): HttpAnswer {
  return { status, body, retryAfter };
}

const ENTRA_TOKENS = {
  token_type: 'Bearer',
  scope: 'openid profile email offline_access User.Read',
  expires_in: 4437,
  ext_expires_in: 4437,
  access_token: 'eyJ0eXAiOiJKV1QiLCJub25jZSI6Ik-ACCESS',
  refresh_token: '0.AXEA-REFRESH',
  id_token: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9-ID',
};

const KEYCLOAK_TOKENS = {
  access_token: 'eyJhbGciOiJSUzI1NiIsInR5cCIgOiAiSldUIn0-ACCESS',
  expires_in: 300,
  refresh_expires_in: 1800,
  refresh_token: 'eyJhbGciOiJIUzUxMiIsInR5cCIgOiAiSldUIn0-REFRESH',
  token_type: 'Bearer',
  id_token: 'eyJhbGciOiJSUzI1NiIsInR5cCIgOiAiSldUIn0-ID',
  'not-before-policy': 0,
  session_state: '5b7e0f3c-9e32-4b59-b6a4-2b1a3c0d1e2f',
  scope: 'openid profile email offline_access',
};

// Google: refresh tokens only on the first grant, `refresh_token_expires_in` for testing-mode apps.
const GOOGLE_TOKENS = {
  access_token: 'ya29.a0AfB_-ACCESS',
  expires_in: 3599,
  refresh_token: '1//0gRhu-REFRESH',
  refresh_token_expires_in: 604799,
  scope: 'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile',
  token_type: 'Bearer',
  id_token: 'eyJhbGciOiJSUzI1NiIsImtpZCI6Ij-ID',
};

describe('success answers with extra fields (application/json)', () => {
  it('reads Entra ID, ignoring ext_expires_in and the id_token', () => {
    expect(classifyTokenAnswer(answer(200, ENTRA_TOKENS), NOW, OIDC)).toEqual({
      kind: 'granted',
      tokens: {
        accessToken: ENTRA_TOKENS.access_token,
        refreshToken: ENTRA_TOKENS.refresh_token,
        accessExpiresAt: NOW + 4437_000,
        refreshExpiresAt: null,
        scope: ENTRA_TOKENS.scope,
      },
    });
  });

  it('reads Keycloak, whose refresh lifetime is in a non-standard field (so it stays unknown)', () => {
    expect(classifyTokenAnswer(answer(200, KEYCLOAK_TOKENS), NOW, OIDC)).toMatchObject({
      kind: 'granted',
      tokens: { accessExpiresAt: NOW + 300_000, refreshExpiresAt: null, refreshToken: KEYCLOAK_TOKENS.refresh_token },
    });
  });

  it("reads Google's refresh_token_expires_in", () => {
    expect(classifyTokenAnswer(answer(200, GOOGLE_TOKENS), NOW, OIDC)).toMatchObject({
      kind: 'granted',
      tokens: { accessExpiresAt: NOW + 3599_000, refreshExpiresAt: NOW + 604799_000 },
    });
  });

  it('accepts an answer without refresh_token (no offline_access), marking it empty', () => {
    const { refresh_token: _r, ...body } = ENTRA_TOKENS;
    expect(classifyTokenAnswer(answer(200, body), NOW, OIDC)).toMatchObject({ kind: 'granted', tokens: { refreshToken: '' } });
  });

  it('assumes the dialect default lifetime when expires_in is absent or null', () => {
    const { expires_in: _e, ...body } = KEYCLOAK_TOKENS;
    for (const tokens of [body, { ...body, expires_in: null }]) {
      expect(classifyTokenAnswer(answer(200, tokens), NOW, OIDC)).toMatchObject({
        kind: 'granted',
        tokens: { accessExpiresAt: NOW + 300_000 },
      });
    }
  });

  it('still refuses an answer without expires_in in the Webex dialect (Webex always sends it)', () => {
    const { expires_in: _e, ...body } = KEYCLOAK_TOKENS;
    expect(classifyTokenAnswer(answer(200, body), NOW)).toMatchObject({ kind: 'fatal', code: 'invalid_token_response' });
  });
});

describe('RFC 8628 §3.5 errors as real providers send them', () => {
  // Entra ID adds error_codes, timestamps, trace and correlation ids, and an error_uri.
  const entra = (error: string, code: number) => ({
    error,
    error_description: `AADSTS${code}: ${error} description.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nTimestamp: 2025-06-01 09:00:00Z`,
    error_codes: [code],
    timestamp: '2025-06-01 09:00:00Z',
    trace_id: '0000aaaa-11bb-cccc-dd22-eeeeee333333',
    correlation_id: 'aaaa0000-bb11-2222-33cc-444444dddddd',
    error_uri: 'https://login.microsoftonline.com/error?code=' + code,
  });

  it.each<[string, HttpAnswer, string]>([
    ['Entra ID pending', answer(400, entra('authorization_pending', 70016)), 'pending'],
    ['Entra ID declined (its own word for access_denied)', answer(400, entra('authorization_declined', 70000)), 'denied'],
    ['Entra ID expired', answer(400, entra('expired_token', 70020)), 'expired'],
    [
      'Keycloak pending',
      answer(400, { error: 'authorization_pending', error_description: 'The authorization request is still pending' }),
      'pending',
    ],
    ['Keycloak slow_down', answer(400, { error: 'slow_down', error_description: 'Slow down' }), 'slow_down'],
    [
      'Keycloak denied',
      answer(400, { error: 'access_denied', error_description: 'The end user denied the authorization request' }),
      'denied',
    ],
    // Google answers pending with 428 and slow_down with 403.
    ['Google pending', answer(428, { error: 'authorization_pending', error_description: 'Precondition Required' }), 'pending'],
    ['Google slow_down', answer(403, { error: 'slow_down', error_description: 'Forbidden' }), 'slow_down'],
    ['Google denied', answer(403, { error: 'access_denied', error_description: 'Forbidden' }), 'denied'],
    [
      'oidc-provider pending',
      answer(400, {
        error: 'authorization_pending',
        error_description:
          "authorization request is still pending as the end-user hasn't yet completed the user interaction steps",
      }),
      'pending',
    ],
    ['oidc-provider expired', answer(400, { error: 'expired_token', error_description: 'device code is expired' }), 'expired'],
  ])('%s', (_name, http, kind) => {
    expect(classifyTokenAnswer(http, NOW, OIDC).kind).toBe(kind);
  });

  it('keeps error_description readable (single line, clipped) and never echoes error_uri or ids', () => {
    const got = classifyTokenAnswer(answer(400, entra('invalid_grant', 9002313)), NOW, OIDC);
    expect(got).toMatchObject({ kind: 'fatal', code: 'invalid_grant' });
    const description = got.kind === 'fatal' ? got.description : '';
    expect(description).toMatch(/^AADSTS9002313: invalid_grant description\. Trace ID/);
    expect(description).not.toMatch(/[\r\n]/);
    expect(JSON.stringify(got)).not.toContain('error?code=');
  });

  it('reads invalid_client with a 401 and WWW-Authenticate the same as with a 400', () => {
    const got = classifyTokenAnswer(
      answer(401, { error: 'invalid_client', error_description: 'client authentication failed' }),
      NOW,
      OIDC,
    );
    expect(got).toEqual({ kind: 'fatal', code: 'invalid_client', description: 'client authentication failed' });
  });
});
