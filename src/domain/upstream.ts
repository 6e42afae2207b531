import { DEFAULT_RETRY_AFTER_MS } from '../device-flow/poll-rules';
import { TokenAnswer } from '../device-flow/token-answer';

/**
 * Why a call to the identity provider failed, as an operator needs to read it (issue #13.7): the
 * kiosk only says "Sign-in unavailable", the fleet view and `/readyz` say why. Pure: no I/O.
 */
export const UPSTREAM_CAUSES = [
  'unreachable',
  'timeout',
  'client_refused',
  'rate_limited',
  'server_error',
  'refused',
  'bad_answer',
] as const;
export type UpstreamCause = (typeof UPSTREAM_CAUSES)[number];

/** Which call failed: starting a sign-in, polling for its token, refreshing one, reading the profile. */
export const UPSTREAM_CALLS = ['authorize', 'token', 'refresh', 'profile'] as const;
export type UpstreamCall = (typeof UPSTREAM_CALLS)[number];

/** One failure as the service saw it; the message is secret-free and short. */
export interface UpstreamFailureInput {
  call: UpstreamCall;
  cause: UpstreamCause;
  status: number | null;
  code: string | null;
  message: string;
  /** Epoch ms until which the provider asked us to wait (429 only). */
  until: number | null;
}

/** A failure as stored and shown: `count` identical failures between `firstAt` and `at`. */
export interface UpstreamFailure {
  provider: string;
  call: UpstreamCall;
  cause: UpstreamCause;
  status: number | null;
  code: string | null;
  message: string;
  until: string | null;
  firstAt: string;
  at: string;
  count: number;
}

/** Conditions that last and affect every sign-in, worst first; `rate_limited` ends by itself. */
export const PROBLEM_KINDS = ['client_refused', 'unreachable', 'rate_limited'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface ProviderProblem {
  kind: ProblemKind;
  /** First failure of this kind since the provider last answered normally. */
  since: string;
  lastSeenAt: string;
  /** `rate_limited`: when the provider lets us call again. */
  until: string | null;
  message: string;
}

/** What `/readyz` and the fleet view say about the provider: `ok`, or the worst current problem. */
export interface ProviderStatus {
  provider: string;
  state: 'ok' | ProblemKind;
  problems: ProviderProblem[];
  checkedAt: string;
}

/** The provider's status and the last failures: what the fleet view shows about the provider. */
export interface UpstreamReport {
  status: ProviderStatus;
  failures: UpstreamFailure[];
}

/** RFC 6749 §5.2: the client itself was refused, whatever the sign-in. */
const CLIENT_CODES = new Set(['invalid_client', 'unauthorized_client']);

/** The cause of a failed token or refresh answer, or null when the answer is not an upstream failure. */
export function causeOfTokenAnswer(call: 'token' | 'refresh', answer: TokenAnswer, now: number): UpstreamFailureInput | null {
  switch (answer.kind) {
    case 'rate_limited': {
      const until = now + (answer.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
      return { call, cause: 'rate_limited', status: 429, code: null, message: 'rate limited (HTTP 429)', until };
    }
    case 'transient':
      return {
        call,
        cause: answer.reason === 'http_5xx' ? 'server_error' : answer.reason === 'timeout' ? 'timeout' : 'unreachable',
        status: answer.status,
        code: null,
        message: answer.description,
        until: null,
      };
    case 'fatal':
      // Other fatal codes end one sign-in, which the fleet view already lists as a failed session.
      if (!CLIENT_CODES.has(answer.code)) return null;
      return { call, cause: 'client_refused', status: null, code: answer.code, message: answer.description, until: null };
    default:
      return null;
  }
}

/** True when an answer shows the provider reachable and accepting this client. */
export function isHealthyTokenAnswer(answer: TokenAnswer): boolean {
  return ['pending', 'slow_down', 'granted', 'denied', 'expired'].includes(answer.kind);
}

/** The cause of a failed device authorization (`POST /api/sessions`, which leaves no session behind). */
export function causeOfAuthorizeFailure(
  err: { status: number | null; code: string | null; transport: 'timeout' | 'network' | null; retryAfterMs: number | null },
  message: string,
  now: number,
): UpstreamFailureInput {
  const base = { call: 'authorize' as const, status: err.status, code: err.code, message, until: null };
  if (err.status === null) return { ...base, cause: err.transport === 'timeout' ? 'timeout' : 'unreachable' };
  if (err.status === 429) return { ...base, cause: 'rate_limited', until: now + (err.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS) };
  if (err.status >= 500) return { ...base, cause: 'server_error' };
  if (err.status === 401 || (err.code !== null && CLIENT_CODES.has(err.code))) return { ...base, cause: 'client_refused' };
  if (err.status >= 200 && err.status <= 299) return { ...base, cause: 'bad_answer' };
  return { ...base, cause: 'refused' };
}

/** Which lasting problem a failure is evidence of, if any. */
export function problemOf(cause: UpstreamCause): ProblemKind | null {
  if (cause === 'client_refused') return 'client_refused';
  if (cause === 'unreachable' || cause === 'timeout') return 'unreachable';
  if (cause === 'rate_limited') return 'rate_limited';
  return null;
}

/** What an operator should do about a problem, by provider kind (the variables differ). */
export function problemMessage(kind: ProblemKind, provider: { kind: 'webex' | 'oidc'; name: string }, detail: string): string {
  const vars = provider.kind === 'webex' ? 'WEBEX_CLIENT_ID / WEBEX_CLIENT_SECRET' : 'OIDC_CLIENT_ID / OIDC_CLIENT_SECRET';
  const base = provider.kind === 'webex' ? 'WEBEX_API_BASE' : 'OIDC_ISSUER (or the OIDC_…_URL endpoints)';
  switch (kind) {
    case 'client_refused':
      return `${provider.name} refuses this service's client credentials (${detail}); check ${vars}.`;
    case 'unreachable':
      return `${provider.name} cannot be reached (${detail}); check ${base} and the network.`;
    case 'rate_limited':
      return `${provider.name} is rate-limiting this client id (HTTP 429); every sign-in waits.`;
  }
}

/** Messages come from provider answers and errors: clipped, one line, and never holding a secret. */
export function safeMessage(text: string, secrets: readonly string[]): string {
  let flat = text.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret.length >= 4) flat = flat.split(secret).join('[redacted]');
  return flat.length <= 200 ? flat : `${flat.slice(0, 199)}…`;
}
