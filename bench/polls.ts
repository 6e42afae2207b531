/**
 * What the simulator's poll log (`GET /_sim/polls`) says about pacing. Pure.
 *
 * A poll's `intervalS` is the interval the simulator held for that code when the poll arrived,
 * so it already includes any `slow_down` the previous answer added: it is the interval in force
 * for the gap that ends at this poll (the same rule the simulator uses for its `early` flag).
 */

/** The fields of the simulator's `PollRecord` the bench reads (kept local: the bench only sees JSON). */
export interface PollRecordLike {
  userCode: string | null;
  /** Epoch ms the call arrived at the simulator. */
  at: number;
  outcome: string;
  intervalS: number | null;
  early: boolean;
  afterTerminal: boolean;
}

export interface PollGap {
  userCode: string;
  /** Arrival of the later poll, epoch ms. */
  at: number;
  /** Time between two consecutive polls of one code, ms. */
  gapMs: number;
  /** The interval in force for that gap, ms. */
  intervalMs: number;
  /** `gapMs - intervalMs`: how late the second poll came; negative means early. */
  latenessMs: number;
}

/** Consecutive-poll gaps per code. Polls of unknown codes (`userCode === null`) are skipped. */
export function pollGaps(records: readonly PollRecordLike[]): PollGap[] {
  const byCode = new Map<string, PollRecordLike[]>();
  for (const r of records) {
    if (r.userCode === null) continue;
    let list = byCode.get(r.userCode);
    if (!list) byCode.set(r.userCode, (list = []));
    list.push(r);
  }
  const gaps: PollGap[] = [];
  for (const [userCode, list] of byCode) {
    list.sort((a, b) => a.at - b.at);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1];
      const next = list[i];
      const intervalS = next.intervalS ?? prev.intervalS;
      if (intervalS === null) continue;
      const gapMs = next.at - prev.at;
      const intervalMs = intervalS * 1000;
      gaps.push({ userCode, at: next.at, gapMs, intervalMs, latenessMs: gapMs - intervalMs });
    }
  }
  return gaps;
}

/** Gaps shorter than the interval in force: RFC 8628 §3.5 violations; must be 0. */
export function countEarlyGaps(gaps: readonly PollGap[]): number {
  let early = 0;
  for (const g of gaps) if (g.gapMs < g.intervalMs) early++;
  return early;
}

/** Polls the simulator itself flagged (covers the first poll after authorize too). */
export function countFlagged(records: readonly PollRecordLike[]): { early: number; afterTerminal: number } {
  let early = 0;
  let afterTerminal = 0;
  for (const r of records) {
    if (r.early) early++;
    if (r.afterTerminal) afterTerminal++;
  }
  return { early, afterTerminal };
}

/** userCode → arrival time of the poll that was answered with the token (the first one). */
export function grantTimes(records: readonly PollRecordLike[]): Map<string, number> {
  const granted = new Map<string, number>();
  for (const r of records) {
    if (r.outcome !== 'granted' || r.userCode === null) continue;
    const seen = granted.get(r.userCode);
    if (seen === undefined || r.at < seen) granted.set(r.userCode, r.at);
  }
  return granted;
}

/** Polls that arrived within [fromMs, toMs). */
export function countInWindow(records: readonly PollRecordLike[], fromMs: number, toMs: number): number {
  let n = 0;
  for (const r of records) if (r.at >= fromMs && r.at < toMs) n++;
  return n;
}

/** The highest number of polls in any `windowMs`-long bucket, aligned to the first poll, per second. */
export function peakRate(records: readonly PollRecordLike[], windowMs: number): number {
  if (records.length === 0 || windowMs <= 0) return 0;
  let first = Infinity;
  for (const r of records) first = Math.min(first, r.at);
  const buckets = new Map<number, number>();
  for (const r of records) {
    const b = Math.floor((r.at - first) / windowMs);
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
  }
  let peak = 0;
  for (const n of buckets.values()) peak = Math.max(peak, n);
  return peak / (windowMs / 1000);
}

/** Gaps later than the interval by more than `thresholdMs`. */
export function countLateGaps(gaps: readonly PollGap[], thresholdMs: number): number {
  let late = 0;
  for (const g of gaps) if (g.latenessMs > thresholdMs) late++;
  return late;
}

/** Lateness over time: gaps grouped by the later poll's arrival into `bucketMs` slices from `fromMs`. */
export function latenessTimeline(
  gaps: readonly PollGap[],
  fromMs: number,
  bucketMs: number,
): Array<{ fromS: number; gaps: number; latenessMs: number[] }> {
  const buckets = new Map<number, number[]>();
  for (const g of gaps) {
    const b = Math.floor((g.at - fromMs) / bucketMs);
    let list = buckets.get(b);
    if (!list) buckets.set(b, (list = []));
    list.push(g.latenessMs);
  }
  return [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([b, latenessMs]) => ({ fromS: (b * bucketMs) / 1000, gaps: latenessMs.length, latenessMs }));
}
