/**
 * The one HTTP transport of the identity providers (Webex and any OpenID provider). The clients
 * speak in `ProviderRequest` / `ProviderResponse` only, so the transport underneath (today
 * `fetch`) can be swapped — e.g. for undici's `request()` on a keep-alive pool — without touching
 * protocol code.
 */

/** What a request is for; a metrics label, never a secret. */
export type ProviderEndpoint = 'authorize' | 'token' | 'refresh' | 'people' | 'userinfo' | 'revoke' | 'discovery';

export interface ProviderRequest {
  endpoint: ProviderEndpoint;
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** Sent as `application/x-www-form-urlencoded` (RFC 6749 §3.2, RFC 8628 §3.1). */
  form?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ProviderResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body parsed as JSON, or null when it was empty or not JSON (an HTML error page, say). */
  body: unknown;
}

/**
 * Sends one request. Rejects only when no answer came (timeout, connection refused, …), with the
 * underlying error as is: `classifyTransportError` reads its cause chain.
 */
export interface ProviderTransport {
  send(request: ProviderRequest): Promise<ProviderResponse>;
}

export interface ProviderHttpOptions {
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Called after every request, for metrics; never given secrets. */
  onRequest?: (endpoint: ProviderEndpoint, status: number | 'error', seconds: number) => void;
}

export class ProviderHttp implements ProviderTransport {
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: ProviderHttpOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  async send(request: ProviderRequest): Promise<ProviderResponse> {
    // Every outbound call is bounded, whatever the caller's own signal says.
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (request.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.form).toString();
    }
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    try {
      const res = await this.fetch(request.url, { method: request.method, headers, body, signal });
      const text = await res.text();
      this.opts.onRequest?.(request.endpoint, res.status, elapsed());
      return { status: res.status, headers: Object.fromEntries(res.headers), body: parseJson(text) };
    } catch (err) {
      this.opts.onRequest?.(request.endpoint, 'error', elapsed());
      throw err;
    }
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** A short, secret-free reason for a request that got no answer (profile reads report it). */
export function describeTransport(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timed out';
  return 'connection failed';
}
