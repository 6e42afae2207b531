import { TokenAnswer } from '../device-flow/token-answer';
import { ClientAuthMethod, OidcEndpoints } from '../config/config.schema';
import { clientAuthentication } from './client-auth';
import { DeviceAuthorization, IdentityProvider, ProfileAnswer, ProviderDescription, RevokeOutcome } from './identity-provider';
import { profileFromUserinfo } from './oidc-userinfo';
import { requestDeviceAuthorization, requestProfile, requestToken } from './provider-exchanges';
import { ProviderEndpoint, ProviderResponse, ProviderTransport } from './provider-http';

export interface OidcClientOptions {
  name: string;
  endpoints: OidcEndpoints;
  clientId: string;
  clientSecret: string | null;
  clientAuth: ClientAuthMethod;
  scopes: string;
  now?: () => number;
}

/**
 * RFC 6749 §5.1 only recommends `expires_in`. Without it we assume a short lifetime: a refresh
 * (or, with no refresh token, the end of the session) comes early rather than after the token
 * already stopped working, and the integrator API never hands out a token it believes is dead.
 */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_S = 300;

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * Any standards OpenID provider with an RFC 8628 device authorization endpoint (Entra ID, Google,
 * Okta, Keycloak, Auth0, …): strict RFC dialect on the token endpoint, OpenID userinfo for the
 * profile, RFC 7009 revocation where the provider has it.
 */
export class OidcClient extends IdentityProvider {
  readonly description: ProviderDescription;
  private readonly now: () => number;
  /** How every request authenticates the client: the same each time, so worked out once. */
  private readonly auth: ReturnType<typeof clientAuthentication>;

  constructor(
    private readonly opts: OidcClientOptions,
    private readonly http: ProviderTransport,
  ) {
    super();
    this.description = { kind: 'oidc', name: opts.name };
    this.now = opts.now ?? Date.now;
    this.auth = clientAuthentication(opts.clientAuth, opts.clientId, opts.clientSecret);
  }

  async authorize(signal?: AbortSignal): Promise<DeviceAuthorization> {
    // RFC 8628 §3.1: a confidential client authenticates here as at the token endpoint.
    const send = () => this.post('authorize', this.opts.endpoints.deviceAuthorization, { scope: this.opts.scopes }, signal);
    const a = await requestDeviceAuthorization(this.opts.name, send, this.now);
    // Entra ID and Google send no complete URI. Inventing one (`?user_code=`) would lead people to a
    // page that ignores it; the QR code opens the plain page and the kiosk shows the code to type.
    return { ...a, verificationUriComplete: a.verificationUriComplete ?? a.verificationUri };
  }

  /** RFC 8628 §3.4. Never throws. */
  pollToken(deviceCode: string, signal?: AbortSignal): Promise<TokenAnswer> {
    return this.tokenRequest('token', { grant_type: DEVICE_CODE_GRANT, device_code: deviceCode }, signal);
  }

  /** RFC 6749 §6, with the configured client authentication. Never throws. */
  refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenAnswer> {
    return this.tokenRequest('refresh', { grant_type: 'refresh_token', refresh_token: refreshToken }, signal);
  }

  /** OIDC Core §5.3 userinfo with the access token as a Bearer token (RFC 6750 §2.1). */
  getProfile(accessToken: string, signal?: AbortSignal): Promise<ProfileAnswer> {
    // A signed or encrypted userinfo answer (application/jwt) arrives as null: not supported.
    const url = this.opts.endpoints.userinfo;
    return requestProfile(this.http, { endpoint: 'userinfo', url, accessToken, signal }, profileFromUserinfo, 'userinfo');
  }

  /** RFC 7009 §2.1. Best effort: the answer only feeds logs. Never throws. */
  async revoke(token: string, hint: 'refresh_token' | 'access_token', signal?: AbortSignal): Promise<RevokeOutcome> {
    const url = this.opts.endpoints.revocation;
    if (!url) return 'unsupported';
    try {
      const res = await this.post('revoke', url, { token, token_type_hint: hint }, signal);
      // §2.2: 200 also for a token that was already invalid; the goal (a dead token) is reached.
      return res.status === 200 ? 'revoked' : 'failed';
    } catch {
      return 'failed';
    }
  }

  private tokenRequest(endpoint: ProviderEndpoint, form: Record<string, string>, signal?: AbortSignal): Promise<TokenAnswer> {
    const send = () => this.post(endpoint, this.opts.endpoints.token, form, signal);
    return requestToken(send, this.now, { defaultExpiresInS: DEFAULT_ACCESS_TOKEN_LIFETIME_S });
  }

  private post(
    endpoint: ProviderEndpoint,
    url: string,
    form: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<ProviderResponse> {
    const { headers, form: authForm } = this.auth;
    return this.http.send({ endpoint, method: 'POST', url, headers, form: { ...form, ...authForm }, signal });
  }
}
