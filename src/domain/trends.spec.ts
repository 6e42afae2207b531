import { describe, expect, it } from 'vitest';
import { bucketsFrom, buildTrends, MinuteCounts, minuteOf, quantile, TIME_TO_APPROVE_BUCKETS } from './trends';

describe('fleet trends', () => {
  it('turns cumulative Prometheus buckets into per-bucket counts in bound order', () => {
    const counts = { 'late:0.1': 3, 'late:+Inf': 10, 'late:0.05': 1, 'late:1': 9, other: 5 };
    expect(bucketsFrom(counts, 'late')).toEqual([
      { le: 0.05, count: 1 },
      { le: 0.1, count: 2 },
      { le: 1, count: 6 },
      { le: null, count: 1 },
    ]);
  });

  it('estimates quantiles as histogram_quantile does: linear within the bucket, highest finite bound past it', () => {
    const buckets = [
      { le: 10, count: 10 },
      { le: 20, count: 10 },
      { le: null, count: 0 },
    ];
    expect(quantile(0.5, buckets)).toBe(10);
    expect(quantile(0.75, buckets)).toBe(15);
    expect(quantile(0.25, buckets)).toBe(5);
    expect(
      quantile(0.99, [
        { le: 1, count: 1 },
        { le: null, count: 5 },
      ]),
    ).toBe(1);
    expect(quantile(0.5, [{ le: 1, count: 0 }])).toBeNull();
  });

  it('builds an hour of minutes, oldest first, with outcomes, time-to-approve over the hour and lateness per minute', () => {
    const last = minuteOf(Date.parse('2026-01-01T10:00:30Z'));
    const minutes: MinuteCounts[] = [
      { created: 2, 'ended:authorized': 1, 'ended:signed_out': 4, 'tta:10': 1, 'tta:30': 1, 'tta:+Inf': 1 },
      {},
      {
        created: 1,
        'ended:expired': 1,
        'ended:authorized': 2,
        'tta:10': 0,
        'tta:30': 2,
        'tta:+Inf': 2,
        'late:0.1': 4,
        'late:+Inf': 4,
      },
    ];
    const trends = buildTrends(minutes, last);
    expect(trends.minutes).toBe(3);
    expect(trends.signIns.map((m) => m.at)).toEqual([
      '2026-01-01T09:58:00.000Z',
      '2026-01-01T09:59:00.000Z',
      '2026-01-01T10:00:00.000Z',
    ]);
    expect(trends.signIns[0]).toMatchObject({
      created: 2,
      outcomes: { authorized: 1, expired: 0, denied: 0, failed: 0, cancelled: 0 },
    });
    expect(trends.signIns[2]?.outcomes).toMatchObject({ authorized: 2, expired: 1 });
    expect(trends.timeToApprove.count).toBe(3);
    // Every bound is drawn, also the empty ones, then the overflow bucket.
    expect(trends.timeToApprove.buckets.map((b) => b.le)).toEqual([...TIME_TO_APPROVE_BUCKETS, null]);
    expect(trends.timeToApprove.buckets.filter((b) => b.count > 0)).toEqual([
      { le: 10, count: 1 },
      { le: 30, count: 2 },
    ]);
    expect(trends.pollLateness.perMinute.map((m) => m.polls)).toEqual([0, 0, 4]);
    expect(trends.pollLateness.perMinute[1]?.p99).toBeNull();
    // All four in (0.05, 0.1]: the median is interpolated halfway.
    expect(trends.pollLateness.overall.p50).toBeCloseTo(0.075);
  });
});
