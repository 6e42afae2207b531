import {
  classifyTokenAnswer,
  classifyTransportError,
  parseRetryAfter,
  webexErrorCode,
} from '../device-flow/classify-token-answer';
import { parseDeviceAuthorization } from '../device-flow/device-authorization';
import { DEFAULT_RETRY_AFTER_MS } from '../device-flow/poll-rules';
import { TokenAnswer } from '../device-flow/token-answer';
import { ClientAuthMethod, OidcEndpoints } from '../config/config.schema';
import { clientAuthentication } from './client-auth';
import {
  DeviceAuthorization,
  IdentityProvider,
  ProfileAnswer,
  ProviderDescription,
  ProviderRequestError,
  RevokeOutcome,
} from './identity-provider';
import { profileFromUserinfo } from './oidc-userinfo';
import { describeTransport, ProviderEndpoint, ProviderResponse, ProviderTransport } from './provider-http';

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

  constructor(
    private readonly opts: OidcClientOptions,
    private readonly http: ProviderTransport,
  ) {
    super();
    this.description = { kind: 'oidc', name: opts.name };
    this.now = opts.now ?? Date.now;
  }

  async authorize(signal?: AbortSignal): Promise<DeviceAuthorization> {
    const name = this.opts.name;
    let res: ProviderResponse;
    try {
      // RFC 8628 §3.1: a confidential client authenticates here as at the token endpoint.
      res = await this.post('authorize', this.opts.endpoints.deviceAuthorization, { scope: this.opts.scopes }, signal);
    } catch (err) {
      throw new ProviderRequestError(`${name} could not be reached to start a sign-in`, null, { cause: err });
    }
    if (res.status < 200 || res.status > 299) {
      const { code, description } = webexErrorCode(res.body);
      const retryAfterMs =
        res.status === 429 ? (parseRetryAfter(res.headers['retry-after'] ?? null, this.now()) ?? DEFAULT_RETRY_AFTER_MS) : null;
      throw new ProviderRequestError(
        `${name} refused to start a sign-in (${res.status} ${code ?? ''} ${description})`.trim(),
        res.status,
        { retryAfterMs, code },
      );
    }
    const a = parseDeviceAuthorization(res.body);
    if (!a) throw new ProviderRequestError(`${name} answered the sign-in request with an unexpected body`, res.status);
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
  async getProfile(accessToken: string, signal?: AbortSignal): Promise<ProfileAnswer> {
    let res: ProviderResponse;
    try {
      res = await this.http.send({
        endpoint: 'userinfo',
        method: 'GET',
        url: this.opts.endpoints.userinfo,
        headers: { authorization: `Bearer ${accessToken}` },
        signal,
      });
    } catch (err) {
      return { kind: 'error', transient: true, description: describeTransport(err) };
    }
    if (res.status === 401) return { kind: 'unauthorized' };
    if (res.status === 429) return { kind: 'rate_limited', retryAfter: res.headers['retry-after'] ?? null };
    if (res.status < 200 || res.status > 299) {
      return {
        kind: 'error',
        transient: res.status >= 500,
        description: `HTTP ${res.status} ${webexErrorCode(res.body).description}`.trim(),
      };
    }
    // A signed or encrypted userinfo answer (application/jwt) arrives here as null: not supported.
    const profile = profileFromUserinfo(res.body);
    if (!profile) return { kind: 'error', transient: false, description: 'unexpected userinfo body' };
    return { kind: 'ok', profile };
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

  private async tokenRequest(
    endpoint: ProviderEndpoint,
    form: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<TokenAnswer> {
    try {
      const res = await this.post(endpoint, this.opts.endpoints.token, form, signal);
      const answer = { status: res.status, retryAfter: res.headers['retry-after'] ?? null, body: res.body };
      return classifyTokenAnswer(answer, this.now(), { defaultExpiresInS: DEFAULT_ACCESS_TOKEN_LIFETIME_S });
    } catch (err) {
      return classifyTransportError(err);
    }
  }

  private post(
    endpoint: ProviderEndpoint,
    url: string,
    form: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<ProviderResponse> {
    const auth = clientAuthentication(this.opts.clientAuth, this.opts.clientId, this.opts.clientSecret);
    return this.http.send({ endpoint, method: 'POST', url, headers: auth.headers, form: { ...form, ...auth.form }, signal });
  }
}
