import type { TokenAnswer, TokenSet } from './token-answer';

/**
 * RFC 8628 §3.5 polling, as a pure state machine: the worker asks `gate` before a poll, records
 * `startPoll`, sends the request, then asks `decide` what the answer means. Times are epoch ms.
 */

export const DEFAULT_INTERVAL_S = 5; // RFC 8628 §3.2: missing interval means 5 s
export const SLOW_DOWN_STEP_S = 5; // RFC 8628 §3.5

/** When Webex answers 429 without a readable Retry-After, a minute is a polite guess. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;
/** Backoff for 5xx/timeouts stops growing here, unless the interval itself is longer. */
export const MAX_BACKOFF_MS = 60_000;
/** Jitter spreads a fleet's retries after an outage; it only ever adds, never shortens. */
export const MAX_JITTER_FRACTION = 0.25;

export interface PollState {
  intervalS: number; // current interval, seconds (grows on slow_down)
  expiresAt: number; // epoch ms when the device code expires
  lastPollAt: number; // epoch ms of the authorize answer, then of the start of each poll
  nextPollAt: number; // earliest epoch ms the next poll may start (>= lastPollAt + intervalS*1000)
  failures: number; // consecutive transient failures (for backoff)
}

export function initialPollState(input: { intervalS?: number | null; expiresInS: number; now: number }): PollState {
  const { intervalS, expiresInS, now } = input;
  // A zero or negative interval would license hammering the endpoint; treat it as missing.
  const interval = intervalS != null && Number.isFinite(intervalS) && intervalS > 0 ? intervalS : DEFAULT_INTERVAL_S;
  return {
    intervalS: interval,
    expiresAt: now + expiresInS * 1000,
    // §3.5: the first poll waits a full interval after the authorize answer, like every later one.
    lastPollAt: now,
    nextPollAt: now + interval * 1000,
    failures: 0,
  };
}

export type PollGate =
  | { kind: 'poll' } // may poll now
  | { kind: 'wait'; until: number } // too early: come back at `until`
  | { kind: 'expired' }; // local clock passed expiresAt

export function gate(state: PollState, now: number): PollGate {
  // RFC 8628 §3.5: past expires_in the device code is dead whatever Webex would say.
  if (now >= state.expiresAt) return { kind: 'expired' };
  // A job retried after a crash may carry a stale nextPollAt; lastPollAt was saved before the
  // request went out, so the interval is still honoured from the poll that really happened.
  const earliest = Math.max(state.nextPollAt, state.lastPollAt + state.intervalS * 1000);
  if (now < earliest) return { kind: 'wait', until: Math.min(earliest, state.expiresAt) };
  return { kind: 'poll' };
}

/** Persist the result before the HTTP call, so a crash mid-request cannot lead to an early poll. */
export function startPoll(state: PollState, now: number): PollState {
  return {
    ...state,
    lastPollAt: now,
    nextPollAt: Math.max(state.nextPollAt, now + state.intervalS * 1000),
  };
}

export type Decision =
  /** `pauseClientUntil` is set on 429: every poll with this client id must wait (global). */
  | { kind: 'wait'; state: PollState; pauseClientUntil: number | null }
  | { kind: 'granted'; tokens: TokenSet }
  | { kind: 'finished'; status: 'expired' | 'denied' | 'failed'; error: { code: string; message: string } };

type WaitDecision = Extract<Decision, { kind: 'wait' }>;

export function decide(state: PollState, answer: TokenAnswer, now: number, random: () => number): Decision {
  switch (answer.kind) {
    case 'granted':
      return { kind: 'granted', tokens: answer.tokens };
    case 'pending':
      return wait(state, 0, afterAnswer(state, now, state.intervalS));
    case 'slow_down': {
      // RFC 8628 §3.5: the increase applies to this and all subsequent requests.
      const slower = { ...state, intervalS: state.intervalS + SLOW_DOWN_STEP_S };
      return wait(slower, 0, afterAnswer(slower, now, slower.intervalS));
    }
    case 'rate_limited':
      return rateLimited(state, answer.retryAfterMs, now);
    case 'transient':
      return backOff(state, now, random);
    case 'expired':
      return finished('expired', 'expired_token', 'The code expired before anyone approved it.');
    case 'denied':
      return finished('denied', 'access_denied', 'The sign-in was declined.');
    case 'fatal':
      return finished('failed', answer.code, failureMessage(answer.code, answer.description));
  }
}

/**
 * The interval counts from when the answer arrived, not from when the request left: the server
 * measures the gap between request arrivals, and a slow first request followed by a fast second
 * one would otherwise look early to it. Counting from the answer makes the arrival gap at least
 * the interval whatever the network does.
 */
function afterAnswer(state: PollState, now: number, intervalS: number): number {
  return Math.max(now, state.lastPollAt) + intervalS * 1000;
}

/** RFC 9110 §10.2.3: Retry-After binds the client, not the session, so it is reported upward. */
function rateLimited(state: PollState, retryAfterMs: number | null, now: number): WaitDecision {
  const pauseMs = retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
  return { ...wait(state, 0, now + pauseMs), pauseClientUntil: now + pauseMs };
}

/**
 * 5xx, timeouts and connection errors: exponential backoff, capped, never under the interval
 * (RFC 8628 §3.5 forbids polling faster whatever happened), and the session stays pending.
 */
function backOff(state: PollState, now: number, random: () => number): WaitDecision {
  const failures = state.failures + 1;
  const intervalMs = state.intervalS * 1000;
  const delay = Math.max(intervalMs, Math.min(intervalMs * 2 ** (failures - 1), MAX_BACKOFF_MS));
  const jitter = delay * MAX_JITTER_FRACTION * unit(random());
  // From the failure, not the poll start: a timed-out request already used up part of the wait.
  return wait(state, failures, Math.max(now, state.lastPollAt) + delay + jitter);
}

/** A `random` outside [0, 1) must not turn jitter into a shortcut or an endless wait. */
function unit(r: number): number {
  return Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
}

/**
 * Every next poll respects the interval since the last poll's start (RFC 8628 §3.5). A time at or
 * past expiry is pinned to expiry: the gate then reports `expired`, and the session stays pending
 * until then, as the contract asks.
 */
function wait(state: PollState, failures: number, candidate: number): WaitDecision {
  const earliest = Math.max(candidate, state.lastPollAt + state.intervalS * 1000);
  const nextPollAt = Math.min(Math.ceil(earliest), state.expiresAt);
  return { kind: 'wait', state: { ...state, failures, nextPollAt }, pauseClientUntil: null };
}

function finished(status: 'expired' | 'denied' | 'failed', code: string, message: string): Decision {
  return { kind: 'finished', status, error: { code, message } };
}

// A Map, not an object literal: codes come from Webex, and `constructor` is a valid-looking one.
const FAILURE_MESSAGES = new Map<string, string>([
  ['invalid_client', "Webex did not accept this service's client credentials."],
  ['invalid_grant', 'Webex no longer accepts this sign-in code.'],
  ['invalid_token_response', 'Webex answered without a usable token.'],
]);

function failureMessage(code: string, description: string): string {
  const known = FAILURE_MESSAGES.get(code);
  if (known) return known;
  return description ? `Webex stopped the sign-in: ${description}` : `Webex stopped the sign-in (${code}).`;
}
