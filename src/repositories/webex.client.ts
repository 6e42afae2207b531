import { z } from 'zod';
import {
  classifyTokenAnswer,
  classifyTransportError,
  parseRetryAfter,
  webexErrorCode,
} from '../device-flow/classify-token-answer';
import { parseDeviceAuthorization } from '../device-flow/device-authorization';
import { DEFAULT_RETRY_AFTER_MS } from '../device-flow/poll-rules';
import { TokenAnswer } from '../device-flow/token-answer';
import { Profile } from '../domain/session';
import { basicAuthorization } from './client-auth';
import {
  DeviceAuthorization,
  IdentityProvider,
  ProfileAnswer,
  ProviderDescription,
  ProviderRequestError,
  RevokeOutcome,
} from './identity-provider';
import { describeTransport, ProviderEndpoint, ProviderResponse, ProviderTransport } from './provider-http';

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

  constructor(
    private readonly opts: WebexClientOptions,
    private readonly http: ProviderTransport,
  ) {
    super();
    this.now = opts.now ?? Date.now;
  }

  async authorize(signal?: AbortSignal): Promise<DeviceAuthorization> {
    const form = { client_id: this.opts.clientId, scope: this.opts.scopes };
    let res: ProviderResponse;
    try {
      res = await this.post('authorize', '/device/authorize', form, {}, signal);
    } catch (err) {
      throw new ProviderRequestError('Webex could not be reached to start a sign-in', null, { cause: err });
    }
    if (res.status < 200 || res.status > 299) {
      const { code, description } = webexErrorCode(res.body);
      const retryAfterMs =
        res.status === 429 ? (parseRetryAfter(res.headers['retry-after'] ?? null, this.now()) ?? DEFAULT_RETRY_AFTER_MS) : null;
      throw new ProviderRequestError(
        `Webex refused to start a sign-in (${res.status} ${code ?? ''} ${description})`.trim(),
        res.status,
        { retryAfterMs, code },
      );
    }
    const a = parseDeviceAuthorization(res.body);
    if (!a) throw new ProviderRequestError('Webex answered the sign-in request with an unexpected body', res.status);
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
    const headers = { authorization: basicAuthorization(this.opts.clientId, this.opts.clientSecret) };
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

  async getProfile(accessToken: string, signal?: AbortSignal): Promise<ProfileAnswer> {
    let res: ProviderResponse;
    try {
      res = await this.http.send({
        endpoint: 'people',
        method: 'GET',
        url: `${this.opts.apiBase}/people/me`,
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
    const profile = profileFromPeopleMe(res.body);
    if (!profile) return { kind: 'error', transient: false, description: 'unexpected /people/me body' };
    return { kind: 'ok', profile };
  }

  /** Webex publishes no RFC 7009 endpoint for integrations; sign-out deletes the tokens on our side. */
  revoke(): Promise<RevokeOutcome> {
    return Promise.resolve('unsupported');
  }

  private async tokenRequest(
    endpoint: ProviderEndpoint,
    path: string,
    form: Record<string, string>,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<TokenAnswer> {
    try {
      const res = await this.post(endpoint, path, form, headers, signal);
      return classifyTokenAnswer(
        { status: res.status, retryAfter: res.headers['retry-after'] ?? null, body: res.body },
        this.now(),
      );
    } catch (err) {
      return classifyTransportError(err);
    }
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
