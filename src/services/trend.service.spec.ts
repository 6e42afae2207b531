import { describe, expect, it } from 'vitest';
import { MinuteCounts, minuteOf } from '../domain/trends';
import { MetricsRepository } from '../repositories/metrics.repository';
import { TrendRepository } from '../repositories/trend.repository';
import { FakeClock } from '../testing/fakes';
import { TrendService } from './trend.service';

/** Per-minute sums in memory, as Redis keeps them: each process adds to the minute's hash. */
class FakeTrends {
  readonly minutes = new Map<number, MinuteCounts>();
  failNext = false;
  add(minute: number, increments: MinuteCounts): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('Redis is away'));
    }
    const m = this.minutes.get(minute) ?? {};
    for (const [k, v] of Object.entries(increments)) m[k] = (m[k] ?? 0) + v;
    this.minutes.set(minute, m);
    return Promise.resolve();
  }
  read(minutes: number[]): Promise<MinuteCounts[]> {
    return Promise.resolve(minutes.map((m) => ({ ...this.minutes.get(m) })));
  }
}

describe('TrendService', () => {
  it('adds only what grew since the last flush, and two processes add up to the fleet', async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T10:00:10Z'));
    const store = new FakeTrends();
    const [a, b] = [new MetricsRepository(), new MetricsRepository()];
    const [trendsA, trendsB] = [a, b].map((m) => new TrendService(m, store as unknown as TrendRepository, clock));

    a.sessionsCreated.inc(2);
    a.sessionsEnded.inc({ outcome: 'authorized' });
    a.timeToApprove.observe(12);
    b.sessionsEnded.inc({ outcome: 'denied' });
    b.pollLateness.observe(0.03);
    await Promise.all([trendsA.flush(), trendsB.flush()]);
    a.sessionsEnded.inc({ outcome: 'authorized' });
    a.timeToApprove.observe(40);
    clock.advance(60_000);
    await trendsA.flush();
    await trendsA.flush();

    const first = store.minutes.get(minuteOf(Date.parse('2026-01-01T10:00:10Z')));
    expect(first).toMatchObject({ created: 2, 'ended:authorized': 1, 'ended:denied': 1, 'tta:15': 1, 'late:0.05': 1 });
    expect(store.minutes.get(minuteOf(clock.now()))).toMatchObject({ 'ended:authorized': 1, 'tta:45': 1 });
    expect(store.minutes.get(minuteOf(clock.now()))?.created).toBeUndefined();

    const trends = await trendsB.read();
    expect(trends.signIns.at(-2)?.outcomes).toMatchObject({ authorized: 1, denied: 1 });
    expect(trends.signIns.at(-1)?.outcomes.authorized).toBe(1);
    expect(trends.timeToApprove.count).toBe(2);
    expect(trends.pollLateness.overall.count).toBe(1);
  });

  it('keeps what a failed write did not add for the next flush: nothing is lost or counted twice', async () => {
    const clock = new FakeClock();
    const store = new FakeTrends();
    const metrics = new MetricsRepository();
    const trends = new TrendService(metrics, store as unknown as TrendRepository, clock);
    metrics.sessionsEnded.inc({ outcome: 'expired' });
    store.failNext = true;
    await trends.flush();
    expect(store.minutes.size).toBe(0);
    metrics.sessionsEnded.inc({ outcome: 'expired' });
    await trends.flush();
    await trends.flush();
    expect(store.minutes.get(minuteOf(clock.now()))?.['ended:expired']).toBe(2);
  });
});
