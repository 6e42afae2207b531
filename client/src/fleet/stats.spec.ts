import { describe, expect, it } from 'vitest';
import { currentProblems, describeFailure, parseTrends, parseUpstream, seconds } from './stats';

const time = (iso: string) => iso.slice(11, 19);

describe('fleet view stats from the wire', () => {
  it('keeps well-formed failures and problems, drops the rest', () => {
    const parsed = parseUpstream({
      status: {
        state: 'rate_limited',
        problems: [
          { kind: 'rate_limited', since: 'a', lastSeenAt: 'b', until: '2026-01-01T10:05:00.000Z', message: 'm' },
          { kind: 1 },
        ],
      },
      failures: [
        {
          provider: 'Webex',
          call: 'authorize',
          cause: 'rate_limited',
          status: 429,
          code: null,
          message: 'x',
          until: '2026-01-01T10:05:00.000Z',
          at: '2026-01-01T10:00:00.000Z',
          count: 3,
        },
        { cause: 'unreachable' },
        'junk',
      ],
    });
    expect(parsed?.problems).toHaveLength(1);
    expect(parsed?.failures).toHaveLength(1);
    expect(parseUpstream({ status: null, failures: [] })).toBeNull();
  });

  it('describes failures as an operator reads them', () => {
    const base = {
      provider: 'Webex',
      status: null,
      code: null,
      message: 'fetch failed (ECONNREFUSED)',
      until: null,
      at: '2026-01-01T10:00:00.000Z',
      count: 1,
    };
    expect(describeFailure({ ...base, call: 'authorize', cause: 'unreachable' }, time)).toBe(
      'Webex · starting a sign-in: unreachable — fetch failed (ECONNREFUSED)',
    );
    expect(describeFailure({ ...base, call: 'token', cause: 'client_refused', code: 'invalid_client', count: 4 }, time)).toBe(
      'Webex · polling: client refused (invalid_client) ×4',
    );
    expect(describeFailure({ ...base, call: 'token', cause: 'rate_limited', until: '2026-01-01T10:05:00.000Z' }, time)).toBe(
      'Webex · polling: rate limited (429) until 10:05:00',
    );
  });

  it('ends a 429 pause by the clock, even before the next push', () => {
    const upstream = parseUpstream({
      status: {
        state: 'rate_limited',
        problems: [{ kind: 'rate_limited', since: '', lastSeenAt: '', until: '2026-01-01T10:05:00.000Z', message: 'm' }],
      },
      failures: [],
    })!;
    expect(currentProblems(upstream, Date.parse('2026-01-01T10:04:59Z'))).toHaveLength(1);
    expect(currentProblems(upstream, Date.parse('2026-01-01T10:05:01Z'))).toHaveLength(0);
  });

  it('reads the trends, and formats durations', () => {
    const trends = parseTrends({
      signIns: [{ at: 'x', created: 1, outcomes: { authorized: 2, bogus: 9 } }, { nope: true }],
      timeToApprove: {
        buckets: [
          { le: 5, count: 1 },
          { le: null, count: 0 },
        ],
        count: 1,
        p50: 2.5,
        p90: 4.5,
        p99: 4.95,
      },
      pollLateness: {
        perMinute: [{ at: 'x', polls: 3, p50: 0.01, p99: null }],
        overall: { buckets: [], count: 3, p50: null, p90: null, p99: null },
      },
    });
    expect(trends?.signIns).toEqual([
      { at: 'x', created: 1, outcomes: { authorized: 2, expired: 0, denied: 0, failed: 0, cancelled: 0 } },
    ]);
    expect(trends?.lateness[0]).toEqual({ at: 'x', polls: 3, p50: 0.01, p99: null });
    expect(parseTrends({})).toBeNull();
    expect([seconds(0.083), seconds(2.46), seconds(45), seconds(300), seconds(null)]).toEqual([
      '83 ms',
      '2.5 s',
      '45 s',
      '5 min',
      '—',
    ]);
  });
});
