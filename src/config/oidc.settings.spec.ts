import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.loader';
import { configProblems } from '../testing/config';
import { defaultProviderName } from './oidc.settings';

const KEY = randomBytes(32).toString('base64');
const ISSUER = 'https://login.microsoftonline.com/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0';

const problems = configProblems;

const PRODUCTION = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://redis:6379',
  TOKEN_ENCRYPTION_KEY: KEY,
  DASHBOARD_USER: 'ops',
  DASHBOARD_PASSWORD: 'a-long-enough-password',
};

describe('AUTH_PROVIDER=oidc configuration', () => {
  it('reads an issuer to discover, with the contract defaults', () => {
    const config = loadConfig({ AUTH_PROVIDER: 'oidc', OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: 'app' });
    expect(config.authProvider).toBe('oidc');
    expect(config.oidc).toEqual({
      name: 'Microsoft',
      issuer: ISSUER,
      explicit: { deviceAuthorization: undefined, token: undefined, userinfo: undefined, revocation: undefined },
      endpoints: null,
      clientId: 'app',
      clientSecret: null,
      clientAuth: 'none',
      scopes: 'openid profile email offline_access',
      timeoutMs: 10_000,
    });
    // Not Webex: no simulator, and Webex's credentials are not asked for.
    expect(config.webex.simulated).toBe(false);
  });

  it('defaults to client_secret_basic when a secret is set, also from a _FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oidc-'));
    writeFileSync(join(dir, 'secret'), 'from-a-file\n');
    const config = loadConfig({
      AUTH_PROVIDER: 'oidc',
      OIDC_ISSUER: ISSUER,
      OIDC_CLIENT_ID: 'app',
      OIDC_CLIENT_SECRET_FILE: join(dir, 'secret'),
    });
    expect(config.oidc).toMatchObject({ clientAuth: 'client_secret_basic', clientSecret: 'from-a-file' });
  });

  it('needs no discovery when all three endpoints are given', () => {
    const config = loadConfig({
      AUTH_PROVIDER: 'oidc',
      OIDC_CLIENT_ID: 'app',
      OIDC_DEVICE_AUTHORIZATION_URL: 'https://sso.example.com/realms/acme/protocol/openid-connect/auth/device',
      OIDC_TOKEN_URL: 'https://sso.example.com/realms/acme/protocol/openid-connect/token',
      OIDC_USERINFO_URL: 'https://sso.example.com/realms/acme/protocol/openid-connect/userinfo',
      OIDC_PROVIDER_NAME: 'Acme SSO',
      OIDC_SCOPES: ' openid   email ',
    });
    expect(config.oidc).toMatchObject({
      name: 'Acme SSO',
      issuer: null,
      scopes: 'openid email',
      endpoints: {
        deviceAuthorization: 'https://sso.example.com/realms/acme/protocol/openid-connect/auth/device',
        token: 'https://sso.example.com/realms/acme/protocol/openid-connect/token',
        userinfo: 'https://sso.example.com/realms/acme/protocol/openid-connect/userinfo',
        revocation: null,
      },
    });
  });

  it('runs in production without any Webex variable', () => {
    expect(problems({ ...PRODUCTION, AUTH_PROVIDER: 'oidc', OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: 'app' })).toEqual([]);
  });

  it('says what is missing, one line each', () => {
    expect(problems({ AUTH_PROVIDER: 'oidc', OIDC_TOKEN_URL: 'https://idp.example.com/token' })).toEqual([
      'OIDC_CLIENT_ID: required when AUTH_PROVIDER=oidc',
      'OIDC_ISSUER: required when AUTH_PROVIDER=oidc, unless the endpoints are given (missing OIDC_DEVICE_AUTHORIZATION_URL, OIDC_USERINFO_URL)',
    ]);
  });

  it('refuses an unknown client authentication method', () => {
    const lines = problems({
      AUTH_PROVIDER: 'oidc',
      OIDC_ISSUER: ISSUER,
      OIDC_CLIENT_ID: 'app',
      OIDC_CLIENT_AUTH: 'private_key_jwt',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^OIDC_CLIENT_AUTH: .*client_secret_basic.*client_secret_post.*none/);
  });

  it('refuses an auth method that contradicts the secret', () => {
    const base = { AUTH_PROVIDER: 'oidc', OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: 'app' };
    expect(problems({ ...base, OIDC_CLIENT_AUTH: 'client_secret_post' })).toEqual([
      'OIDC_CLIENT_SECRET: required when OIDC_CLIENT_AUTH=client_secret_post',
    ]);
    expect(problems({ ...base, OIDC_CLIENT_AUTH: 'none', OIDC_CLIENT_SECRET: 'x' })).toEqual([
      'OIDC_CLIENT_SECRET: set, but OIDC_CLIENT_AUTH=none (a public client has no secret); choose one',
    ]);
  });

  it('refuses plain http in production, except on loopback', () => {
    const base = { ...PRODUCTION, AUTH_PROVIDER: 'oidc', OIDC_CLIENT_ID: 'app' };
    expect(problems({ ...base, OIDC_ISSUER: 'http://sso.example.com/realms/acme' })).toEqual([
      'OIDC_ISSUER: must be https when NODE_ENV=production',
    ]);
    expect(problems({ ...base, OIDC_ISSUER: 'http://127.0.0.1:8080/realms/acme' })).toEqual([]);
    expect(problems({ ...base, OIDC_ISSUER: 'http://localhost:8080/realms/acme' })).toEqual([]);
    expect(problems({ AUTH_PROVIDER: 'oidc', OIDC_CLIENT_ID: 'app', OIDC_ISSUER: 'http://sso.example.com' })).toEqual([]);
  });

  it('refuses an issuer that is not a web address', () => {
    expect(problems({ AUTH_PROVIDER: 'oidc', OIDC_CLIENT_ID: 'app', OIDC_ISSUER: 'sso.example.com' })[0]).toMatch(
      /^OIDC_ISSUER: /,
    );
  });

  it('leaves Webex as it was: the default, and demo mode without configuration', () => {
    const config = loadConfig({ OIDC_ISSUER: ISSUER });
    expect(config).toMatchObject({ authProvider: 'webex', oidc: null, webex: { simulated: true } });
  });
});

describe('defaultProviderName', () => {
  it.each([
    [ISSUER, 'Microsoft'],
    ['https://accounts.google.com', 'Google'],
    ['https://acme.okta.com/oauth2/default', 'Okta'],
    ['https://acme.eu.auth0.com/', 'Auth0'],
    ['https://sso.example.com/realms/acme', 'sso.example.com'],
  ])('%s → %s', (issuer, name) => {
    expect(defaultProviderName(issuer)).toBe(name);
  });
});
