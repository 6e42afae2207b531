import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SESSION_STATUSES } from '../domain/session';
import { classifyTokenAnswer } from './classify-token-answer';
import { decide, gate, initialPollState, startPoll } from './poll-rules';

const NOW = Date.UTC(2026, 0, 1);

/** Whatever Webex (or a proxy in front of it) answers: any status, header and body. */
const webexAnswer = fc.record({
  status: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.constantFrom(200, 400, 401, 403, 428, 429, 500, 503)),
  retryAfter: fc.option(
    fc.oneof(
      fc.string(),
      fc.integer({ min: -5, max: 1e9 }).map(String),
      fc.date().map((d) => d.toUTCString()),
    ),
    {
      nil: null,
    },
  ),
  body: fc.oneof(
    fc.jsonValue(),
    fc.string(),
    fc.record({ error: fc.string(), error_description: fc.anything() }, { requiredKeys: [] }),
    fc.record({ message: fc.string(), errors: fc.array(fc.anything()), trackingId: fc.string() }, { requiredKeys: [] }),
    fc.record(
      {
        access_token: fc.oneof(fc.string(), fc.anything()),
        expires_in: fc.oneof(fc.integer(), fc.string(), fc.double()),
        refresh_token: fc.anything(),
        refresh_token_expires_in: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  ),
});

/**
 * Issue #12 acceptance: random and malformed Webex answers never break a sign-in. Every answer is
 * classified (no throw), and the poll rules turn it into a wait that honours the interval, a
 * grant, or a clean end (expired / denied / failed) with a readable error.
 */
describe('any Webex token answer', () => {
  it('is classified and decided without throwing, into a wait, a grant or a clean end', () => {
    fc.assert(
      fc.property(
        webexAnswer,
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: -1, max: 2, noNaN: false }),
        (answer, intervalS, r) => {
          const state = startPoll(initialPollState({ intervalS, expiresInS: 600, now: NOW }), NOW);
          const classified = classifyTokenAnswer(answer, NOW + 100);
          const decision = decide(state, classified, NOW + 100, () => r);
          switch (decision.kind) {
            case 'wait':
              // Never sooner than the interval after the poll started (RFC 8628 §3.5), never past expiry.
              expect(decision.state.nextPollAt).toBeGreaterThanOrEqual(state.lastPollAt + state.intervalS * 1000);
              expect(decision.state.nextPollAt).toBeLessThanOrEqual(state.expiresAt);
              expect(gate(decision.state, NOW + 100).kind).not.toBe('poll');
              break;
            case 'granted':
              expect(decision.tokens.accessToken).toEqual(expect.any(String));
              expect(Number.isFinite(decision.tokens.accessExpiresAt)).toBe(true);
              break;
            case 'finished':
              expect(SESSION_STATUSES).toContain(decision.status);
              expect(['expired', 'denied', 'failed']).toContain(decision.status);
              expect(decision.error.code).toMatch(/^\S+$/);
              expect(decision.error.message.length).toBeGreaterThan(0);
              expect(decision.error.message.length).toBeLessThan(400);
              break;
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('never lets a Webex error text carry a token into the session error', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 499 }).filter((s) => s !== 428 && s !== 429),
        fc.string({ minLength: 1 }),
        (status, text) => {
          const answer = classifyTokenAnswer(
            { status, retryAfter: null, body: { access_token: 'LEAKED-TOKEN', error: text } },
            NOW,
          );
          const decision = decide(
            startPoll(initialPollState({ intervalS: 5, expiresInS: 600, now: NOW }), NOW),
            answer,
            NOW,
            () => 0.5,
          );
          expect(JSON.stringify(decision)).not.toContain('LEAKED-TOKEN');
        },
      ),
      { numRuns: 500 },
    );
  });
});
