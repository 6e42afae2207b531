import { describe, it, expect } from 'vitest';
import {
  DEFAULT_INTERVAL_S,
  SLOW_DOWN_STEP_S,
  decide,
  gate,
  initialPollState,
  startPoll,
  type Decision,
  type PollState,
} from './poll-rules';
import type { TokenAnswer, TokenSet } from './token-answer';

/** The authorize answer arrives at T0; every time below is an offset from it, in ms. */
const T0 = 1_736_942_400_000;
const s = (seconds: number): number => seconds * 1000;
const at = (seconds: number): number => T0 + s(seconds);

const noJitter = (): number => 0;
const maxJitter = (): number => 0.999999;

const PENDING: TokenAnswer = { kind: 'pending' };
const SLOW_DOWN: TokenAnswer = { kind: 'slow_down' };
const HTTP_503: TokenAnswer = { kind: 'transient', reason: 'http_5xx', status: 503, description: 'HTTP 503' };

/** A fresh session: 5 s interval, 300 s to live, authorized at T0. */
function fresh(intervalS: number | null = 5, expiresInS = 300): PollState {
  return initialPollState({ intervalS, expiresInS, now: T0 });
}

/** What a worker does: poll at `start`, get `answer` at `start + latencyS`, decide. */
function poll(state: PollState, startS: number, answer: TokenAnswer, latencyS = 0.2, random = noJitter): Decision {
  expect(gate(state, at(startS))).toEqual({ kind: 'poll' });
  return decide(startPoll(state, at(startS)), answer, at(startS + latencyS), random);
}

function waited(decision: Decision): PollState {
  if (decision.kind !== 'wait') throw new Error(`expected wait, got ${decision.kind}`);
  return decision.state;
}

describe('initialPollState', () => {
  it('waits a full interval after the authorize answer before the first poll', () => {
    const state = fresh(5);
    expect(state).toEqual({ intervalS: 5, expiresAt: at(300), lastPollAt: T0, nextPollAt: at(5), failures: 0 });
    expect(gate(state, T0)).toEqual({ kind: 'wait', until: at(5) });
    expect(gate(state, at(5) - 1)).toEqual({ kind: 'wait', until: at(5) });
    expect(gate(state, at(5))).toEqual({ kind: 'poll' });
  });

  it.each([undefined, null, 0, -3, Number.NaN, Number.POSITIVE_INFINITY])(
    'uses 5 s when the interval is %s (RFC 8628 §3.2)',
    (intervalS) => {
      const state = initialPollState({ intervalS, expiresInS: 600, now: T0 });
      expect(DEFAULT_INTERVAL_S).toBe(5);
      expect(state.intervalS).toBe(5);
      expect(state.nextPollAt).toBe(at(5));
      expect(gate(state, at(4.999))).toMatchObject({ kind: 'wait' });
    },
  );

  it("keeps Webex's own interval, even a short one", () => {
    expect(fresh(2).nextPollAt).toBe(at(2));
  });
});

describe('authorization pending', () => {
  it('polls again one interval after the answer arrived, so the server never sees two requests closer than that', () => {
    const state = waited(poll(fresh(), 5, PENDING, 1.5));
    expect(state).toMatchObject({ intervalS: 5, lastPollAt: at(5), nextPollAt: at(11.5), failures: 0 });
    expect(gate(state, at(11.499))).toEqual({ kind: 'wait', until: at(11.5) });
    expect(gate(state, at(11.5))).toEqual({ kind: 'poll' });
  });

  it('waits a whole interval after a slow answer too', () => {
    const state = waited(poll(fresh(), 5, PENDING, 7));
    expect(state.nextPollAt).toBe(at(17));
    expect(gate(state, at(16.999))).toEqual({ kind: 'wait', until: at(17) });
  });

  it('does not pause the client', () => {
    expect(poll(fresh(), 5, PENDING)).toMatchObject({ kind: 'wait', pauseClientUntil: null });
  });
});

describe('slow_down (RFC 8628 §3.5)', () => {
  it('grows the interval by 5 s each time, for this and every later poll', () => {
    expect(SLOW_DOWN_STEP_S).toBe(5);
    const first = waited(poll(fresh(), 5, SLOW_DOWN, 0));
    expect(first).toMatchObject({ intervalS: 10, lastPollAt: at(5), nextPollAt: at(15) });
    expect(waited(poll(fresh(), 5, SLOW_DOWN, 0.5)).nextPollAt).toBe(at(15.5));
    expect(gate(first, at(14.999))).toEqual({ kind: 'wait', until: at(15) });

    const second = waited(poll(first, 15, SLOW_DOWN, 0));
    expect(second).toMatchObject({ intervalS: 15, lastPollAt: at(15), nextPollAt: at(30) });

    const later = waited(poll(second, 30, PENDING, 0));
    expect(later).toMatchObject({ intervalS: 15, nextPollAt: at(45) });
  });
});

describe('expiry', () => {
  it('ends on expired_token with a readable message', () => {
    expect(poll(fresh(), 5, { kind: 'expired', description: 'whatever Webex said' })).toEqual({
      kind: 'finished',
      status: 'expired',
      error: { code: 'expired_token', message: 'The code expired before anyone approved it.' },
    });
  });

  it('the gate says expired once the local clock reaches expiresAt', () => {
    const state = fresh(5, 60);
    expect(gate(state, at(60) - 1)).toEqual({ kind: 'poll' });
    expect(gate(state, at(60))).toEqual({ kind: 'expired' });
    expect(gate(state, at(3600))).toEqual({ kind: 'expired' });
  });

  it('pins a next poll at or past expiry to expiresAt and stays pending until then', () => {
    const state = waited(poll(fresh(5, 60), 57, PENDING));
    expect(state.nextPollAt).toBe(at(60));
    expect(gate(state, at(59))).toEqual({ kind: 'wait', until: at(60) });
    expect(gate(state, at(60))).toEqual({ kind: 'expired' });
  });

  it('pins slow_down, 429 and backoff waits to expiresAt too', () => {
    const state = fresh(5, 60);
    for (const answer of [SLOW_DOWN, { kind: 'rate_limited', retryAfterMs: s(600) } as const, HTTP_503]) {
      expect(waited(poll(state, 55, answer, 0.2, maxJitter)).nextPollAt).toBe(at(60));
    }
  });

  it('never asks to wait past expiry', () => {
    const state: PollState = { ...fresh(5, 60), nextPollAt: at(90) };
    expect(gate(state, at(50))).toEqual({ kind: 'wait', until: at(60) });
  });
});

describe('final answers', () => {
  it('ends on access_denied as denied', () => {
    expect(poll(fresh(), 5, { kind: 'denied', description: 'The user said no' })).toEqual({
      kind: 'finished',
      status: 'denied',
      error: { code: 'access_denied', message: 'The sign-in was declined.' },
    });
  });

  it('ends on an unknown error as failed, keeping its code and prose', () => {
    expect(poll(fresh(), 5, { kind: 'fatal', code: 'http_418', description: 'I am a teapot' })).toEqual({
      kind: 'finished',
      status: 'failed',
      error: { code: 'http_418', message: 'Webex stopped the sign-in: I am a teapot' },
    });
  });

  it('names the code when an unknown error has no prose', () => {
    expect(poll(fresh(), 5, { kind: 'fatal', code: 'constructor', description: '' })).toEqual({
      kind: 'finished',
      status: 'failed',
      error: { code: 'constructor', message: 'Webex stopped the sign-in (constructor).' },
    });
  });

  it.each([
    ['invalid_client', "Webex did not accept this service's client credentials."],
    ['invalid_grant', 'Webex no longer accepts this sign-in code.'],
    ['invalid_token_response', 'Webex answered without a usable token.'],
  ])('explains %s in plain words', (code, message) => {
    expect(poll(fresh(), 5, { kind: 'fatal', code, description: 'raw' })).toMatchObject({
      status: 'failed',
      error: { code, message },
    });
  });

  it('hands over the tokens when granted', () => {
    const tokens: TokenSet = {
      accessToken: 'a',
      refreshToken: 'r',
      accessExpiresAt: at(3600),
      refreshExpiresAt: null,
      scope: 'spark:all',
    };
    expect(poll(fresh(), 5, { kind: 'granted', tokens })).toEqual({ kind: 'granted', tokens });
  });
});

describe('429 rate limiting (RFC 9110 §10.2.3 Retry-After)', () => {
  it('waits Retry-After and pauses the whole client until then', () => {
    const decision = poll(fresh(), 5, { kind: 'rate_limited', retryAfterMs: s(30) }, 1);
    expect(decision).toMatchObject({ kind: 'wait', pauseClientUntil: at(36) });
    expect(waited(decision)).toMatchObject({ intervalS: 5, nextPollAt: at(36) });
  });

  it('never polls sooner than the interval, even when Retry-After is shorter', () => {
    const decision = poll(fresh(), 5, { kind: 'rate_limited', retryAfterMs: s(1) }, 0.5);
    expect(decision).toMatchObject({ kind: 'wait', pauseClientUntil: at(6.5) });
    expect(waited(decision).nextPollAt).toBe(at(10));
  });

  it('waits 60 s when Retry-After is missing', () => {
    const decision = poll(fresh(), 5, { kind: 'rate_limited', retryAfterMs: null }, 1);
    expect(decision).toMatchObject({ kind: 'wait', pauseClientUntil: at(66) });
    expect(waited(decision).nextPollAt).toBe(at(66));
  });

  it('reports the full client pause even past this session’s expiry', () => {
    const decision = poll(fresh(5, 60), 5, { kind: 'rate_limited', retryAfterMs: s(600) }, 0);
    expect(decision).toMatchObject({ kind: 'wait', pauseClientUntil: at(605) });
    expect(waited(decision).nextPollAt).toBe(at(60));
  });

  it('does not count as a transient failure', () => {
    const state: PollState = { ...fresh(), failures: 3 };
    expect(waited(poll(state, 5, { kind: 'rate_limited', retryAfterMs: s(10) })).failures).toBe(0);
  });
});

describe('5xx, timeouts and network errors: exponential backoff', () => {
  /** Poll repeatedly, each time as soon as allowed, with answers arriving `latencyS` later. */
  function backoffDelays(intervalS: number, count: number, random: () => number, answer = HTTP_503): number[] {
    let state = fresh(intervalS, 100_000);
    let startS = intervalS;
    const delays: number[] = [];
    for (let i = 0; i < count; i++) {
      state = waited(poll(state, startS, answer, 0, random));
      delays.push((state.nextPollAt - at(startS)) / 1000);
      startS = (state.nextPollAt - T0) / 1000;
    }
    return delays;
  }

  it('doubles from the interval and caps at 60 s (random = 0)', () => {
    expect(backoffDelays(5, 7, noJitter)).toEqual([5, 10, 20, 40, 60, 60, 60]);
  });

  it('adds under 25 % jitter, never less (random ≈ 1)', () => {
    const delays = backoffDelays(5, 6, maxJitter);
    const base = [5, 10, 20, 40, 60, 60];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThan(base[i] * 1.2499);
      expect(d).toBeLessThan(base[i] * 1.25 + 0.001);
    });
  });

  it('never goes below an interval longer than the cap', () => {
    expect(backoffDelays(90, 3, noJitter)).toEqual([90, 90, 90]);
    // Measured from the failure: a slow 5xx still leaves a full interval of quiet afterwards.
    expect(waited(poll(fresh(90, 3600), 90, HTTP_503, 10)).nextPollAt).toBe(at(90 + 10 + 90));
  });

  it('starts a long wait from the failure, so a timed-out request does not shorten it', () => {
    const timeout: TokenAnswer = { kind: 'transient', reason: 'timeout', status: null, description: 't' };
    const state = waited(poll({ ...fresh(), failures: 2 }, 5, timeout, 10));
    expect(state).toMatchObject({ failures: 3, nextPollAt: at(5 + 10 + 20) });
  });

  it.each<TokenAnswer>([
    { kind: 'transient', reason: 'timeout', status: null, description: 'timed out' },
    { kind: 'transient', reason: 'network', status: null, description: 'fetch failed (ECONNREFUSED)' },
  ])('treats $reason like a 5xx', (answer) => {
    expect(backoffDelays(5, 5, noJitter, answer)).toEqual([5, 10, 20, 40, 60]);
  });

  it('keeps the session pending (waiting), never finished', () => {
    const decision = poll(fresh(), 5, HTTP_503);
    expect(decision).toMatchObject({ kind: 'wait', pauseClientUntil: null });
  });

  it('forgets failures after a non-transient answer', () => {
    const state = waited(poll({ ...fresh(), failures: 4 }, 5, HTTP_503));
    expect(state).toMatchObject({ failures: 5, nextPollAt: at(5.2 + 60) });
    expect(waited(poll(state, 66, PENDING)).failures).toBe(0);
    expect(waited(poll(state, 66, SLOW_DOWN)).failures).toBe(0);
  });

  it.each([-1, 5, Number.NaN, Number.POSITIVE_INFINITY])('keeps jitter within bounds when random gives %s', (r) => {
    const state = waited(poll(fresh(), 5, HTTP_503, 0, () => r));
    expect(state.nextPollAt).toBeGreaterThanOrEqual(at(10));
    expect(state.nextPollAt).toBeLessThanOrEqual(at(11.25));
  });
});

describe('crash recovery', () => {
  it('startPoll is recorded before the request, and alone blocks an early retry', () => {
    const started = startPoll(fresh(), at(5));
    expect(started).toMatchObject({ lastPollAt: at(5), nextPollAt: at(10) });
    expect(gate(started, at(6))).toEqual({ kind: 'wait', until: at(10) });
  });

  it('waits from lastPollAt when a retried job carries a stale nextPollAt', () => {
    const stale: PollState = { ...fresh(), lastPollAt: at(20), nextPollAt: at(10) };
    expect(gate(stale, at(21))).toEqual({ kind: 'wait', until: at(25) });
    expect(gate(stale, at(25))).toEqual({ kind: 'poll' });
  });

  it('never schedules a poll sooner than the interval after the last one, whatever the answer', () => {
    const answers: TokenAnswer[] = [
      PENDING,
      SLOW_DOWN,
      HTTP_503,
      { kind: 'rate_limited', retryAfterMs: 0 },
      { kind: 'rate_limited', retryAfterMs: null },
    ];
    for (const answer of answers) {
      for (const failures of [0, 1, 10, 2000]) {
        const state = waited(poll({ ...fresh(), failures }, 5, answer, 0));
        expect(state.nextPollAt - state.lastPollAt).toBeGreaterThanOrEqual(s(state.intervalS));
      }
    }
  });
});
