import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProviderRequest, ProviderResponse, ProviderTransport } from '../repositories/provider-http';
import { ConfigError, loadConfig } from './config.loader';
import { resolveProvider } from './provider.resolver';

const ISSUER = 'https://sso.example.com/realms/acme';

/** Keycloak's discovery document (trimmed to what matters, plus a few fields it really sends). */
const KEYCLOAK = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/protocol/openid-connect/auth`,
  token_endpoint: `${ISSUER}/protocol/openid-connect/token`,
  userinfo_endpoint: `${ISSUER}/protocol/openid-connect/userinfo`,
  revocation_endpoint: `${ISSUER}/protocol/openid-connect/revoke`,
  device_authorization_endpoint: `${ISSUER}/protocol/openid-connect/auth/device`,
  jwks_uri: `${ISSUER}/protocol/openid-connect/certs`,
  grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
  token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'client_secret_post'],
};

class Discovery implements ProviderTransport {
  readonly requests: ProviderRequest[] = [];
  constructor(private readonly answer: ProviderResponse | Error) {}
  send(request: ProviderRequest): Promise<ProviderResponse> {
    this.requests.push(request);
    return this.answer instanceof Error ? Promise.reject(this.answer) : Promise.resolve(this.answer);
  }
}

function config(env: Record<string, string> = {}) {
  return loadConfig({ AUTH_PROVIDER: 'oidc', OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: 'kiosk', ...env });
}

async function problems(env: Record<string, string>, answer: ProviderResponse | Error): Promise<string[]> {
  try {
    await resolveProvider(config(env), new Discovery(answer));
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const ok = (body: unknown): ProviderResponse => ({ status: 200, headers: {}, body });

describe('resolveProvider', () => {
  it('reads the endpoints from the issuer’s discovery document', async () => {
    const http = new Discovery(ok(KEYCLOAK));
    const resolved = await resolveProvider(config(), http);
    expect(http.requests).toEqual([{ endpoint: 'discovery', method: 'GET', url: `${ISSUER}/.well-known/openid-configuration` }]);
    expect(resolved.oidc?.endpoints).toEqual({
      deviceAuthorization: KEYCLOAK.device_authorization_endpoint,
      token: KEYCLOAK.token_endpoint,
      userinfo: KEYCLOAK.userinfo_endpoint,
      revocation: KEYCLOAK.revocation_endpoint,
    });
  });

  it('drops a terminating slash of the issuer before the well-known path, and accepts it in the document', async () => {
    const http = new Discovery(ok({ ...KEYCLOAK, issuer: `${ISSUER}/` }));
    await resolveProvider(config({ OIDC_ISSUER: `${ISSUER}/` }), http);
    expect(http.requests[0].url).toBe(`${ISSUER}/.well-known/openid-configuration`);
  });

  it('lets an explicit endpoint win over the discovered one', async () => {
    const resolved = await resolveProvider(
      config({ OIDC_USERINFO_URL: 'https://graph.example.com/oidc/userinfo' }),
      new Discovery(ok(KEYCLOAK)),
    );
    expect(resolved.oidc?.endpoints?.userinfo).toBe('https://graph.example.com/oidc/userinfo');
  });

  it('leaves Webex and explicitly configured endpoints alone (no request)', async () => {
    const http = new Discovery(new Error('must not be called'));
    const webex = loadConfig({});
    expect(await resolveProvider(webex, http)).toBe(webex);
    expect(http.requests).toEqual([]);
  });

  it('stops on an issuer without a device authorization endpoint', async () => {
    const { device_authorization_endpoint: _d, ...noDevice } = KEYCLOAK;
    expect(await problems({}, ok(noDevice))).toEqual([
      `OIDC_ISSUER: ${ISSUER} publishes no device_authorization_endpoint (RFC 8628): the provider does not offer the device flow, or not to this tenant; set OIDC_DEVICE_AUTHORIZATION_URL if it has one`,
    ]);
  });

  it('stops on an unreachable issuer, naming the reason', async () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:443'), { code: 'ECONNREFUSED' }),
    });
    expect(await problems({}, refused)).toEqual([
      `OIDC_ISSUER: discovery at ${ISSUER}/.well-known/openid-configuration failed: the issuer could not be reached (connect ECONNREFUSED 10.0.0.9:443)`,
    ]);
    const timedOut = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(await problems({}, timedOut)).toEqual([
      `OIDC_ISSUER: discovery at ${ISSUER}/.well-known/openid-configuration failed: the issuer could not be reached (timed out)`,
    ]);
  });

  it('stops on a 404, on a page that is not a discovery document, and on a foreign issuer', async () => {
    expect(await problems({}, { status: 404, headers: {}, body: null })).toEqual([
      `OIDC_ISSUER: discovery at ${ISSUER}/.well-known/openid-configuration answered HTTP 404; is OIDC_ISSUER the issuer URL?`,
    ]);
    expect(await problems({}, ok(null))).toEqual([
      `OIDC_ISSUER: ${ISSUER}/.well-known/openid-configuration is not an OpenID discovery document (no issuer in a JSON object)`,
    ]);
    expect(await problems({}, ok({ ...KEYCLOAK, issuer: 'https://evil.example.com' }))).toEqual([
      `OIDC_ISSUER: the discovery document names the issuer https://evil.example.com, not ${ISSUER}`,
    ]);
  });

  it('in production, refuses discovered endpoints that are not https', async () => {
    const env = {
      NODE_ENV: 'production',
      REDIS_URL: 'redis://r:6379',
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'a-long-enough-password',
    };
    const lines = await problems(env, ok({ ...KEYCLOAK, token_endpoint: 'http://sso.example.com/token' }));
    expect(lines).toEqual([
      'OIDC_ISSUER: the discovered token_endpoint http://sso.example.com/token is not https, refused when NODE_ENV=production',
    ]);
  });
});
