import { z } from 'zod';
import { TokenAnswer } from '../device-flow/token-answer';
import { Profile } from '../domain/session';
import { basicAuthorization } from './client-auth';
import { DeviceAuthorization, IdentityProvider, ProfileAnswer, ProviderDescription, RevokeOutcome } from './identity-provider';
import { requestDeviceAuthorization, requestProfile, requestToken } from './provider-exchanges';
import { ProviderEndpoint, ProviderResponse, ProviderTransport } from './provider-http';

export interface WebexClientOptions {
  apiBase: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  now?: () => number;
}

/** `/people/me`, reduced to the contract's profile; Webex sends much more (phone numbers, status…). */
const peopleMeSchema = z.object({
  id: z.string().min(1),
  displayName: z.string(),
  emails: z.array(z.string()).optional().catch(undefined),
  avatar: z
    .url({ protocol: /^https?$/ })
    .optional()
    .catch(undefined),
  orgId: z.string().optional().catch(undefined),
});

export function profileFromPeopleMe(body: unknown): Profile | null {
  const parsed = peopleMeSchema.safeParse(body);
  if (!parsed.success) return null;
  const p = parsed.data;
  return { id: p.id, displayName: p.displayName, emails: p.emails ?? [], avatar: p.avatar ?? null, orgId: p.orgId ?? null };
}

/**
 * Webex's device flow and REST API: device authorize, token polling (its own dialect, see
 * `classify-token-answer.ts`), refresh, /people/me. Answers are parsed at this edge.
 */
export class WebexClient extends IdentityProvider {
  readonly description: ProviderDescription = { kind: 'webex', name: 'Webex' };
  private readonly now: () => number;
  /** The same for every poll: encoded once. */
  private readonly basicAuth: string;

  constructor(
    private readonly opts: WebexClientOptions,
    private readonly http: ProviderTransport,
  ) {
    super();
    this.now = opts.now ?? Date.now;
    this.basicAuth = basicAuthorization(opts.clientId, opts.clientSecret);
  }

  async authorize(signal?: AbortSignal): Promise<DeviceAuthorization> {
    const form = { client_id: this.opts.clientId, scope: this.opts.scopes };
    const a = await requestDeviceAuthorization(
      'Webex',
      () => this.post('authorize', '/device/authorize', form, {}, signal),
      this.now,
    );
    return {
      ...a,
      // Webex always sends verification_uri_complete; the fallback keeps us working if not.
      verificationUriComplete: a.verificationUriComplete ?? `${a.verificationUri}?user_code=${encodeURIComponent(a.userCode)}`,
    };
  }

  /** RFC 8628 §3.4 token request; Webex wants the client authenticated with HTTP Basic. Never throws. */
  async pollToken(deviceCode: string, signal?: AbortSignal): Promise<TokenAnswer> {
    const form = {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: deviceCode,
      client_id: this.opts.clientId,
    };
    const headers = { authorization: this.basicAuth };
    return this.tokenRequest('token', '/device/token', form, headers, signal);
  }

  /** RFC 6749 §6 refresh; Webex's `/access_token` takes the client credentials in the form. Never throws. */
  async refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenAnswer> {
    const form = {
      grant_type: 'refresh_token',
      client_id: this.opts.clientId,
      client_secret: this.opts.clientSecret,
      refresh_token: refreshToken,
    };
    return this.tokenRequest('refresh', '/access_token', form, {}, signal);
  }

  getProfile(accessToken: string, signal?: AbortSignal): Promise<ProfileAnswer> {
    const url = `${this.opts.apiBase}/people/me`;
    return requestProfile(this.http, { endpoint: 'people', url, accessToken, signal }, profileFromPeopleMe, '/people/me');
  }

  /** Webex publishes no RFC 7009 endpoint for integrations; sign-out deletes the tokens on our side. */
  revoke(): Promise<RevokeOutcome> {
    return Promise.resolve('unsupported');
  }

  private tokenRequest(
    endpoint: ProviderEndpoint,
    path: string,
    form: Record<string, string>,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<TokenAnswer> {
    return requestToken(() => this.post(endpoint, path, form, headers, signal), this.now);
  }

  private post(
    endpoint: ProviderEndpoint,
    path: string,
    form: Record<string, string>,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<ProviderResponse> {
    return this.http.send({ endpoint, method: 'POST', url: `${this.opts.apiBase}${path}`, headers, form, signal });
  }
}
