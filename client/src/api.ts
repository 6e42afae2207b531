/**
 * The two HTTP calls the kiosk makes. Everything else (the session's state) arrives over
 * Socket.IO: the kiosk never calls GET /api/sessions/:id.
 */
import { parseApiError, parseSessionView, type SessionView } from './session';

const TIMEOUT_MS = 15_000;

export class ApiError extends Error {
  constructor(
    /** HTTP status, or 0 when no answer came (network error, timeout). */
    readonly status: number,
    /** The contract's `error.code`, or `network` / `timeout` / `bad_response`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

async function request(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<SessionView> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers:
        body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (cause) {
    const timeout = cause instanceof DOMException && cause.name === 'TimeoutError';
    throw new ApiError(0, timeout ? 'timeout' : 'network', `${method} ${path} failed`, { cause });
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    // Contract: every /api error is {"error": {"code", "message"}}; tolerate proxies that answer otherwise.
    const err = parseApiError(json);
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? res.statusText);
  }
  const view = parseSessionView(json);
  if (!view) throw new ApiError(res.status, 'bad_response', `${method} ${path}: not a SessionView`);
  return view;
}

export function createSession(kioskId: string | null): Promise<SessionView> {
  return request('POST', '/api/sessions', kioskId === null ? {} : { kioskId });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Cancel (pending) or sign out (authorized). DELETE is idempotent, and a sign-out that fails
 * would leave someone's tokens behind, so transient failures are retried a few times.
 * Resolves `false` only when every attempt failed.
 */
export async function deleteSession(id: string, delaysMs: readonly number[] = [1_000, 5_000, 30_000]): Promise<boolean> {
  const path = `/api/sessions/${encodeURIComponent(id)}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await request('DELETE', path);
      return true;
    } catch (err) {
      const retryable = !(err instanceof ApiError) || err.status === 0 || err.status >= 500 || err.status === 429;
      if (err instanceof ApiError && err.status === 404) return true; // already gone
      if (!retryable || attempt >= delaysMs.length) {
        console.warn('kiosk: could not end session', id, err);
        return false;
      }
      await sleep(delaysMs[attempt]!);
    }
  }
}
