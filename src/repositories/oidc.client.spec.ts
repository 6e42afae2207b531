import { describe, expect, it } from 'vitest';
import { ClientAuthMethod } from '../config/config.schema';
import { ProviderRequestError } from './identity-provider';
import { DEFAULT_ACCESS_TOKEN_LIFETIME_S, OidcClient } from './oidc.client';
import { ProviderRequest, ProviderResponse, ProviderTransport } from './provider-http';

const NOW = Date.UTC(2025, 5, 1, 9, 0, 0);

/** A provider answering from a script, remembering every request (a stateful fake, not a mock). */
class ScriptedTransport implements ProviderTransport {
  readonly requests: ProviderRequest[] = [];
  readonly answers: Array<ProviderResponse | Error> = [];
  send(request: ProviderRequest): Promise<ProviderResponse> {
    this.requests.push(request);
    const next = this.answers.shift() ?? { status: 500, headers: {}, body: null };
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }
  answer(status: number, body: unknown, headers: Record<string, string> = {}): this {
    this.answers.push({ status, headers, body });
    return this;
  }
}

const ENDPOINTS = {
  deviceAuthorization: 'https://idp.example.com/oauth2/devicecode',
  token: 'https://idp.example.com/oauth2/token',
  userinfo: 'https://idp.example.com/oidc/userinfo',
  revocation: 'https://idp.example.com/oauth2/revoke',
};

function client(clientAuth: ClientAuthMethod = 'client_secret_basic', revocation: string | null = ENDPOINTS.revocation) {
  const http = new ScriptedTransport();
  const oidc = new OidcClient(
    {
      name: 'Example IdP',
      endpoints: { ...ENDPOINTS, revocation },
      clientId: 'kiosk app',
      clientSecret: clientAuth === 'none' ? null : 's3cret:&=',
      clientAuth,
      scopes: 'openid profile email offline_access',
      now: () => NOW,
    },
    http,
  );
  return { oidc, http };
}

const ENTRA_AUTHORIZE = {
  user_code: 'FJ7C3QL8S',
  device_code: 'DEVICE-CODE-SECRET',
  verification_uri: 'https://microsoft.com/devicelogin',
  expires_in: 900,
  interval: 5,
  message: 'To sign in, use a web browser …',
};

describe('OidcClient: client authentication on every token-endpoint call', () => {
  it('client_secret_basic: form-urlencoded id and secret in Basic, the secret never in the body', async () => {
    const { oidc, http } = client('client_secret_basic');
    http.answer(200, ENTRA_AUTHORIZE).answer(400, { error: 'authorization_pending' }).answer(400, { error: 'invalid_grant' });
    await oidc.authorize();
    await oidc.pollToken('DEVICE-CODE-SECRET');
    await oidc.refresh('REFRESH-SECRET');
    const basic = `Basic ${Buffer.from('kiosk%20app:s3cret%3A%26%3D').toString('base64')}`;
    for (const req of http.requests) {
      expect(req.headers).toEqual({ authorization: basic });
      expect(req.form).toMatchObject({ client_id: 'kiosk app' });
      expect(req.form).not.toHaveProperty('client_secret');
    }
  });

  it('client_secret_post: id and secret in the form', async () => {
    const { oidc, http } = client('client_secret_post');
    http.answer(400, { error: 'authorization_pending' });
    await oidc.pollToken('DEVICE-CODE-SECRET');
    expect(http.requests[0]).toMatchObject({
      method: 'POST',
      url: ENDPOINTS.token,
      headers: {},
      form: {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: 'DEVICE-CODE-SECRET',
        client_id: 'kiosk app',
        client_secret: 's3cret:&=',
      },
    });
  });

  it('none (public client): client_id alone', async () => {
    const { oidc, http } = client('none');
    http.answer(200, ENTRA_AUTHORIZE).answer(200, { access_token: 'A', expires_in: 60 });
    await oidc.authorize();
    await oidc.refresh('REFRESH-SECRET');
    expect(http.requests.map((r) => r.form)).toEqual([
      { scope: 'openid profile email offline_access', client_id: 'kiosk app' },
      { grant_type: 'refresh_token', refresh_token: 'REFRESH-SECRET', client_id: 'kiosk app' },
    ]);
    expect(http.requests.every((r) => !r.headers?.authorization)).toBe(true);
  });
});

describe('OidcClient.authorize', () => {
  it('keeps the plain verification URI for the QR code when the provider gives no complete one', async () => {
    const { oidc, http } = client();
    http.answer(200, ENTRA_AUTHORIZE);
    expect(await oidc.authorize()).toEqual({
      deviceCode: 'DEVICE-CODE-SECRET',
      userCode: 'FJ7C3QL8S',
      verificationUri: 'https://microsoft.com/devicelogin',
      verificationUriComplete: 'https://microsoft.com/devicelogin',
      expiresInS: 900,
      intervalS: 5,
    });
  });

  it("reads Google's `verification_url`", async () => {
    const { oidc, http } = client();
    http.answer(200, {
      device_code: 'D',
      user_code: 'GQVQ-JKEC',
      verification_url: 'https://www.google.com/device',
      expires_in: 1800,
      interval: 5,
    });
    expect(await oidc.authorize()).toMatchObject({
      verificationUri: 'https://www.google.com/device',
      verificationUriComplete: 'https://www.google.com/device',
    });
  });

  it('names the provider and its error, never the secret, when it refuses', async () => {
    const { oidc, http } = client();
    http.answer(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    const err = await oidc.authorize().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect((err as Error).message).toBe(
      'Example IdP refused to start a sign-in (401 invalid_client AADSTS7000215: Invalid client secret provided.)',
    );
    expect((err as Error).message).not.toContain('s3cret');
  });

  it('reports Retry-After on 429, so every sign-in of this client id waits', async () => {
    const { oidc, http } = client();
    http.answer(429, null, { 'retry-after': '30' });
    await expect(oidc.authorize()).rejects.toMatchObject({ status: 429, retryAfterMs: 30_000 });
  });

  it('says the provider could not be reached on a transport error', async () => {
    const { oidc, http } = client();
    http.answers.push(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    await expect(oidc.authorize()).rejects.toMatchObject({ message: 'Example IdP could not be reached to start a sign-in' });
  });
});

describe('OidcClient token answers', () => {
  it('assumes a short lifetime when expires_in is absent', async () => {
    const { oidc, http } = client();
    http.answer(200, { access_token: 'A', token_type: 'Bearer', refresh_token: 'R' });
    expect(await oidc.pollToken('D')).toMatchObject({
      kind: 'granted',
      tokens: { accessExpiresAt: NOW + DEFAULT_ACCESS_TOKEN_LIFETIME_S * 1000, refreshToken: 'R' },
    });
  });

  it('turns a timeout into a transient answer', async () => {
    const { oidc, http } = client();
    http.answers.push(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    expect(await oidc.pollToken('D')).toMatchObject({ kind: 'transient', reason: 'timeout' });
  });
});

describe('OidcClient.getProfile', () => {
  it('reads userinfo with the access token as Bearer and keeps only the contract fields', async () => {
    const { oidc, http } = client();
    http.answer(200, {
      sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
      name: 'Megan Bowen',
      family_name: 'Bowen',
      given_name: 'Megan',
      picture: 'https://graph.microsoft.com/v1.0/me/photo/$value',
      email: 'MeganB@contoso.com',
      phone_number: '+1 555 0100',
    });
    expect(await oidc.getProfile('ACCESS-SECRET')).toEqual({
      kind: 'ok',
      profile: {
        id: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
        displayName: 'Megan Bowen',
        emails: ['MeganB@contoso.com'],
        avatar: 'https://graph.microsoft.com/v1.0/me/photo/$value',
        orgId: null,
      },
    });
    expect(http.requests[0]).toMatchObject({
      method: 'GET',
      url: ENDPOINTS.userinfo,
      headers: { authorization: 'Bearer ACCESS-SECRET' },
    });
  });

  it.each<[number, unknown, string]>([
    [401, { error: 'invalid_token' }, 'unauthorized'],
    [429, null, 'rate_limited'],
    [503, null, 'error'],
    [200, { name: 'no sub' }, 'error'],
    [200, null, 'error'],
  ])('answers %i %j as %s', async (status, body, kind) => {
    const { oidc, http } = client();
    http.answer(status, body);
    expect((await oidc.getProfile('A')).kind).toBe(kind);
  });
});

describe('OidcClient.revoke (RFC 7009)', () => {
  it('posts the token with its type hint and the client authentication', async () => {
    const { oidc, http } = client('client_secret_post');
    http.answer(200, null);
    expect(await oidc.revoke('REFRESH-SECRET', 'refresh_token')).toBe('revoked');
    expect(http.requests[0]).toMatchObject({
      endpoint: 'revoke',
      url: ENDPOINTS.revocation,
      form: { token: 'REFRESH-SECRET', token_type_hint: 'refresh_token', client_id: 'kiosk app', client_secret: 's3cret:&=' },
    });
  });

  it('does nothing where the provider has no revocation endpoint', async () => {
    const { oidc, http } = client('client_secret_basic', null);
    expect(await oidc.revoke('REFRESH-SECRET', 'refresh_token')).toBe('unsupported');
    expect(http.requests).toEqual([]);
  });

  it('never throws: a refusal or an outage is only reported', async () => {
    const { oidc, http } = client();
    http.answer(503, null);
    http.answers.push(new TypeError('fetch failed'));
    expect(await oidc.revoke('T', 'access_token')).toBe('failed');
    expect(await oidc.revoke('T', 'access_token')).toBe('failed');
  });
});
