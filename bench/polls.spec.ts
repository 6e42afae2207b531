import { describe, expect, it } from 'vitest';
import {
  countEarlyGaps,
  countLateGaps,
  latenessTimeline,
  countFlagged,
  countInWindow,
  grantTimes,
  peakRate,
  pollGaps,
  PollRecordLike,
} from './polls';

function poll(
  userCode: string | null,
  at: number,
  intervalS: number | null = 2,
  outcome = 'pending',
  early = false,
): PollRecordLike {
  return { userCode, at, outcome, intervalS, early, afterTerminal: false };
}

describe('pollGaps', () => {
  it('measures consecutive polls of the same code against the interval in force', () => {
    const gaps = pollGaps([poll('A', 1000), poll('B', 1500), poll('A', 3010), poll('B', 3500), poll('A', 5000)]);
    expect(gaps).toEqual([
      { userCode: 'A', at: 3010, gapMs: 2010, intervalMs: 2000, latenessMs: 10 },
      { userCode: 'A', at: 5000, gapMs: 1990, intervalMs: 2000, latenessMs: -10 },
      { userCode: 'B', at: 3500, gapMs: 2000, intervalMs: 2000, latenessMs: 0 },
    ]);
  });

  it('sorts each code by arrival time, whatever the log order', () => {
    const gaps = pollGaps([poll('A', 5000), poll('A', 1000), poll('A', 3000)]);
    expect(gaps.map((g) => g.gapMs)).toEqual([2000, 2000]);
  });

  it('uses the interval held when the later poll arrived (after a slow_down it grew)', () => {
    const gaps = pollGaps([poll('A', 0, 2, 'slow_down'), poll('A', 7000, 7)]);
    expect(gaps[0]).toEqual({ userCode: 'A', at: 7000, gapMs: 7000, intervalMs: 7000, latenessMs: 0 });
  });

  it('skips unknown codes and single polls', () => {
    expect(pollGaps([poll(null, 0), poll(null, 10), poll('A', 0)])).toEqual([]);
  });
});

describe('countEarlyGaps', () => {
  it('counts gaps shorter than the interval; exactly the interval is on time', () => {
    const gaps = pollGaps([poll('A', 0), poll('A', 1999), poll('A', 3999), poll('A', 7000)]);
    expect(gaps.map((g) => g.gapMs)).toEqual([1999, 2000, 3001]);
    expect(countEarlyGaps(gaps)).toBe(1);
  });

  it('is 0 for no gaps', () => {
    expect(countEarlyGaps([])).toBe(0);
  });
});

describe('countFlagged', () => {
  it('counts the simulator’s own early and after-terminal flags', () => {
    const records = [
      poll('A', 0, 2, 'pending', true),
      { ...poll('A', 5000, 2, 'invalid_grant'), afterTerminal: true },
      poll('B', 1),
    ];
    expect(countFlagged(records)).toEqual({ early: 1, afterTerminal: 1 });
  });
});

describe('grantTimes', () => {
  it('keeps the first granted poll per code', () => {
    const map = grantTimes([
      poll('A', 100),
      poll('A', 2100, 2, 'granted'),
      poll('A', 4100, 2, 'granted'),
      poll('B', 50, 2, 'denied'),
    ]);
    expect([...map]).toEqual([['A', 2100]]);
  });
});

describe('rates', () => {
  const records = [poll('A', 0), poll('B', 100), poll('C', 900), poll('A', 1000), poll('B', 2500)];

  it('counts polls in a half-open window', () => {
    expect(countInWindow(records, 0, 1000)).toBe(3);
    expect(countInWindow(records, 1000, 3000)).toBe(2);
  });

  it('finds the busiest bucket, per second', () => {
    expect(peakRate(records, 1000)).toBe(3);
    expect(peakRate(records, 2000)).toBe(2);
    expect(peakRate([], 1000)).toBe(0);
  });
});

describe('late gaps over time', () => {
  const gaps = pollGaps([poll('A', 0), poll('A', 2000), poll('A', 5500), poll('B', 100), poll('B', 12_100)]);

  it('counts gaps later than a threshold', () => {
    expect(gaps.map((g) => g.latenessMs)).toEqual([0, 1500, 10_000]);
    expect(countLateGaps(gaps, 1000)).toBe(2);
  });

  it('groups lateness by when the later poll arrived', () => {
    expect(latenessTimeline(gaps, 0, 10_000)).toEqual([
      { fromS: 0, gaps: 2, latenessMs: [0, 1500] },
      { fromS: 10, gaps: 1, latenessMs: [10_000] },
    ]);
  });
});
