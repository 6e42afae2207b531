import type { PhaseRun, SignInRecord } from './driver';
import { expectedStatus } from './people';
import {
  countEarlyGaps,
  countFlagged,
  countLateGaps,
  latenessTimeline,
  countInWindow,
  grantTimes,
  peakRate,
  pollGaps,
  PollRecordLike,
} from './polls';
import { summarize, Summary } from './stats';

/** What one phase (service or floor) did, from the driver's records and the simulator's poll log. Pure. */
export interface PhaseAnalysis {
  signIns: {
    started: number;
    shown: number;
    startFailed: number;
    decided: { approve: number; deny: number; expire: number };
    /** Decisions the simulator refused (409/404) or never answered. */
    decisionsRefused: number;
    final: Record<string, number>;
    /** Sign-ins with no final status when the phase ended. */
    unresolved: number;
    /** Accepted decisions whose final status was not the one the decision calls for. */
    wrongFinal: number;
    approved: number;
    approvedAndPushed: number;
  };
  polls: {
    logged: number;
    /** The window the rate is measured over: from one interval after the start to the end of arrivals/decisions. */
    windowS: number;
    perSecond: number;
    /** Mean pending sign-ins in the window ÷ interval: what a perfect poller would send. */
    expectedPerSecond: number;
    peakPerSecond10s: number;
    perSignIn: number;
    latenessMs: Summary;
    gaps: number;
    earlyGaps: number;
    /** Gaps more than 1 s later than the interval: the poller fell behind. */
    lateOver1s: number;
    /** Per 10 s of the phase (by the later poll's arrival): how late polls were. */
    timeline: Array<{ fromS: number; gaps: number; p50: number | null; p99: number | null; max: number | null }>;
    flaggedEarly: number;
    flaggedAfterTerminal: number;
  };
  /** Granting poll's arrival at Webex → the kiosk told 'authorized'. */
  pushLatencyMs: Summary;
  /** Per sign-in that ended: creation → final status at the kiosk, ms (for the old-design figures). */
  signInDurationsMs: number[];
}

export function analyzePhase(
  run: PhaseRun,
  records: readonly PollRecordLike[],
  intervalS: number,
  durationS: number,
): PhaseAnalysis {
  const s = run.signIns;
  const decided = { approve: 0, deny: 0, expire: 0 };
  const final: Record<string, number> = {};
  let decisionsRefused = 0;
  let unresolved = 0;
  let wrongFinal = 0;
  let approved = 0;
  let approvedAndPushed = 0;
  const durations: number[] = [];
  for (const x of s) {
    if (x.controlStatus !== null) {
      if (x.controlStatus === 200) decided[x.decision]++;
      else decisionsRefused++;
    }
    if (x.finalStatus === null) unresolved++;
    else {
      final[x.finalStatus] = (final[x.finalStatus] ?? 0) + 1;
      if (x.shownAt !== null && x.finalAt !== null) durations.push(x.finalAt - x.startedAt);
    }
    if (x.controlStatus === 200) {
      if (x.finalStatus !== expectedStatus(x.decision)) wrongFinal++;
      if (x.decision === 'approve') {
        approved++;
        if (x.finalStatus === 'authorized') approvedAndPushed++;
      }
    }
  }

  const from = run.startedAt + intervalS * 1000;
  const to = Math.min(run.endedAt, run.startedAt + durationS * 1000);
  const windowMs = Math.max(0, to - from);
  const inWindow = run.samples.filter((x) => x.at >= from && x.at < to);
  const meanPending = inWindow.length ? inWindow.reduce((a, x) => a + x.pending, 0) / inWindow.length : 0;
  const gaps = pollGaps(records);
  const flagged = countFlagged(records);
  const shown = s.filter((x) => x.shownAt !== null).length;

  return {
    signIns: {
      started: s.length,
      shown,
      startFailed: s.filter((x) => x.finalStatus === 'start_failed').length,
      decided,
      decisionsRefused,
      final,
      unresolved,
      wrongFinal,
      approved,
      approvedAndPushed,
    },
    polls: {
      logged: records.length,
      windowS: windowMs / 1000,
      perSecond: windowMs > 0 ? countInWindow(records, from, to) / (windowMs / 1000) : 0,
      expectedPerSecond: meanPending / intervalS,
      peakPerSecond10s: peakRate(records, 10_000),
      perSignIn: shown ? records.length / shown : 0,
      latenessMs: summarize(gaps.map((g) => g.latenessMs)),
      gaps: gaps.length,
      earlyGaps: countEarlyGaps(gaps),
      lateOver1s: countLateGaps(gaps, 1000),
      timeline: latenessTimeline(gaps, run.startedAt, 10_000).map((b) => {
        const sum = summarize(b.latenessMs);
        return { fromS: b.fromS, gaps: b.gaps, p50: sum.p50, p99: sum.p99, max: sum.max };
      }),
      flaggedEarly: flagged.early,
      flaggedAfterTerminal: flagged.afterTerminal,
    },
    pushLatencyMs: summarize(pushLatencies(s, records)),
    signInDurationsMs: durations,
  };
}

/** For every sign-in the kiosk saw authorized: kiosk's receipt − the granting poll's arrival. */
export function pushLatencies(signIns: readonly SignInRecord[], records: readonly PollRecordLike[]): number[] {
  const granted = grantTimes(records);
  const out: number[] = [];
  for (const x of signIns) {
    if (x.finalStatus !== 'authorized' || x.finalAt === null || x.userCode === null) continue;
    const at = granted.get(x.userCode);
    if (at !== undefined) out.push(x.finalAt - at);
  }
  return out;
}
