import { Agent } from 'undici';

/**
 * The one HTTP transport of the identity providers (Webex and any OpenID provider). The clients
 * speak in `ProviderRequest` / `ProviderResponse` only, so protocol code never sees the HTTP client.
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
  /** Called after every request, for metrics; never given secrets. */
  onRequest?: (endpoint: ProviderEndpoint, status: number | 'error', seconds: number) => void;
}

/**
 * The transport on undici's `request()` over a keep-alive pool per origin: a poll is the service's
 * hottest path, and `fetch` costs about twice as much CPU per request (WHATWG streams, Request and
 * Response objects, an AbortSignal and its timer per call; see bench/README.md). Timeouts are
 * undici's own (connect, headers, body, each `timeoutMs`): the request is on the wire within
 * `timeoutMs` of the call, which is what a poller's lease counts on.
 */
export class ProviderHttp implements ProviderTransport {
  private readonly agent: Agent;
  private readonly targets = new Map<string, { origin: string; path: string }>();

  constructor(private readonly opts: ProviderHttpOptions) {
    this.agent = new Agent({
      connect: { timeout: opts.timeoutMs },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  async send(request: ProviderRequest): Promise<ProviderResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (request.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.form).toString();
    }
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    try {
      const target = this.target(request.url);
      // Written out, not `{ ...target, method, … }`: V8 (Node 20) gives each object made by a
      // spread followed by keys the spread did not have a hidden class of its own (after the first
      // few). Every request would cost a new class, and undici's reads of its options would go
      // megamorphic: ≈ 15 µs a request (bench/README.md, "December, twenty-eighth").
      const res = await this.agent.request({
        origin: target.origin,
        path: target.path,
        method: request.method,
        headers,
        body,
        signal: request.signal,
      });
      const text = await res.body.text();
      this.opts.onRequest?.(request.endpoint, res.statusCode, elapsed());
      return { status: res.statusCode, headers: flatHeaders(res.headers), body: parseJson(text) };
    } catch (err) {
      this.opts.onRequest?.(request.endpoint, 'error', elapsed());
      throw err;
    }
  }

  /** Lets go of the pooled connections (at shutdown). */
  async close(): Promise<void> {
    await this.agent.close();
  }

  /** A handful of endpoint URLs, parsed once each. */
  private target(url: string): { origin: string; path: string } {
    let target = this.targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      if (this.targets.size < 64) this.targets.set(url, target);
    }
    return target;
  }
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
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
