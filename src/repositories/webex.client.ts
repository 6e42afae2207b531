import { z } from 'zod';
import {
  classifyTokenAnswer,
  classifyTransportError,
  parseRetryAfter,
  webexErrorCode,
} from '../device-flow/classify-token-answer';
import { DEFAULT_RETRY_AFTER_MS } from '../device-flow/poll-rules';
import { TokenAnswer } from '../device-flow/token-answer';
import { Profile } from '../domain/session';

export interface WebexClientOptions {
  apiBase: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Called after every request, for metrics; never given secrets. */
  onRequest?: (endpoint: WebexEndpoint, status: number | 'error', seconds: number) => void;
}

export type WebexEndpoint = 'authorize' | 'token' | 'refresh' | 'people';

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  expiresInS: number;
  intervalS: number | null;
}

export type ProfileAnswer =
  | { kind: 'ok'; profile: Profile }
  | { kind: 'unauthorized' }
  | { kind: 'rate_limited'; retryAfter: string | null }
  | { kind: 'error'; transient: boolean; description: string };

/** Raised when `/device/authorize` fails; the message is safe to show. */
export class WebexRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    options?: { cause?: unknown; retryAfterMs?: number | null },
  ) {
    super(message, options);
    this.name = 'WebexRequestError';
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }

  /** Set on HTTP 429: how long Webex asked every caller with this client id to wait. */
  readonly retryAfterMs: number | null;
}

// RFC 8628 §3.2. Webex always sends verification_uri_complete; the fallback keeps us working if not.
const authorizeSchema = z.object({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.url(),
  verification_uri_complete: z.url().optional(),
  expires_in: z.coerce.number().positive(),
  interval: z.coerce.number().positive().optional(),
});

const profileSchema = z.looseObject({ id: z.string().min(1), displayName: z.string() });

/**
 * The only place that talks HTTP to Webex: device authorize, token polling, refresh, /people/me.
 * Every call has a timeout; answers are parsed at this edge.
 */
export class WebexClient {
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly opts: WebexClientOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.now = opts.now ?? Date.now;
  }

  async authorize(signal?: AbortSignal): Promise<DeviceAuthorization> {
    const form = { client_id: this.opts.clientId, scope: this.opts.scopes };
    let res: Response;
    try {
      res = await this.post('authorize', '/device/authorize', form, {}, signal);
    } catch (err) {
      throw new WebexRequestError('Webex could not be reached to start a sign-in', null, { cause: err });
    }
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const { code, description } = webexErrorCode(body);
      const retryAfterMs =
        res.status === 429 ? (parseRetryAfter(res.headers.get('retry-after'), this.now()) ?? DEFAULT_RETRY_AFTER_MS) : null;
      throw new WebexRequestError(
        `Webex refused to start a sign-in (${res.status} ${code ?? ''} ${description})`.trim(),
        res.status,
        {
          retryAfterMs,
        },
      );
    }
    const parsed = authorizeSchema.safeParse(body);
    if (!parsed.success) throw new WebexRequestError('Webex answered the sign-in request with an unexpected body', res.status);
    const a = parsed.data;
    return {
      deviceCode: a.device_code,
      userCode: a.user_code,
      verificationUri: a.verification_uri,
      verificationUriComplete:
        a.verification_uri_complete ?? `${a.verification_uri}?user_code=${encodeURIComponent(a.user_code)}`,
      expiresInS: a.expires_in,
      intervalS: a.interval ?? null,
    };
  }

  /** RFC 8628 §3.4 token request; Webex wants the client authenticated with HTTP Basic. Never throws. */
  async pollToken(deviceCode: string, signal?: AbortSignal): Promise<TokenAnswer> {
    const form = {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: deviceCode,
      client_id: this.opts.clientId,
    };
    return this.tokenRequest('token', '/device/token', form, { authorization: this.basicAuth() }, signal);
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
    let res: Response;
    try {
      res = await this.request(
        'people',
        `${this.opts.apiBase}/people/me`,
        {
          method: 'GET',
          headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        },
        signal,
      );
    } catch (err) {
      return { kind: 'error', transient: true, description: describeTransport(err) };
    }
    const body: unknown = await res.json().catch(() => null);
    if (res.status === 401) return { kind: 'unauthorized' };
    if (res.status === 429) return { kind: 'rate_limited', retryAfter: res.headers.get('retry-after') };
    if (!res.ok) {
      return {
        kind: 'error',
        transient: res.status >= 500,
        description: `HTTP ${res.status} ${webexErrorCode(body).description}`.trim(),
      };
    }
    const parsed = profileSchema.safeParse(body);
    if (!parsed.success) return { kind: 'error', transient: false, description: 'unexpected /people/me body' };
    return { kind: 'ok', profile: parsed.data };
  }

  private async tokenRequest(
    endpoint: WebexEndpoint,
    path: string,
    form: Record<string, string>,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<TokenAnswer> {
    try {
      const res = await this.post(endpoint, path, form, headers, signal);
      const body: unknown = await res.json().catch(() => null);
      return classifyTokenAnswer({ status: res.status, retryAfter: res.headers.get('retry-after'), body }, this.now());
    } catch (err) {
      return classifyTransportError(err);
    }
  }

  private post(
    endpoint: WebexEndpoint,
    path: string,
    form: Record<string, string>,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Response> {
    return this.request(
      endpoint,
      `${this.opts.apiBase}${path}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
        body: new URLSearchParams(form).toString(),
      },
      signal,
    );
  }

  private async request(endpoint: WebexEndpoint, url: string, init: RequestInit, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const started = performance.now();
    try {
      const res = await this.fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      this.opts.onRequest?.(endpoint, res.status, (performance.now() - started) / 1000);
      return res;
    } catch (err) {
      this.opts.onRequest?.(endpoint, 'error', (performance.now() - started) / 1000);
      throw err;
    }
  }

  private basicAuth(): string {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    const user = encodeURIComponent(this.opts.clientId);
    const pass = encodeURIComponent(this.opts.clientSecret);
    return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
}

function describeTransport(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timed out';
  return 'connection failed';
}
