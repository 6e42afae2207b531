import { describe, expect, it } from 'vitest';
import { analyzePhase, pushLatencies } from './analysis';
import type { PhaseRun, SignInRecord } from './driver';
import type { PollRecordLike } from './polls';

function signIn(n: number, over: Partial<SignInRecord>): SignInRecord {
  return {
    n,
    kiosk: n,
    decision: 'approve',
    thinkMs: 5000,
    startedAt: 0,
    shownAt: 10,
    userCode: `C${n}`,
    decidedAt: 5010,
    controlStatus: 200,
    finalStatus: 'authorized',
    finalAt: 6100,
    error: null,
    ...over,
  };
}

function poll(userCode: string, at: number, outcome = 'pending'): PollRecordLike {
  return { userCode, at, outcome, intervalS: 2, early: false, afterTerminal: false };
}

describe('pushLatencies', () => {
  it('pairs the granting poll with the kiosk’s authorized push', () => {
    const records = [poll('C0', 2010), poll('C0', 4010), poll('C0', 6010, 'granted'), poll('C1', 6000, 'denied')];
    const s = [signIn(0, {}), signIn(1, { decision: 'deny', finalStatus: 'denied' })];
    expect(pushLatencies(s, records)).toEqual([90]);
  });
});

describe('analyzePhase', () => {
  it('checks every decision ended as it should and measures the poll rate in the window', () => {
    const s = [
      signIn(0, {}),
      signIn(1, { decision: 'deny', finalStatus: 'denied' }),
      signIn(2, { decision: 'expire', finalStatus: 'authorized' }), // wrong
      signIn(3, { decision: 'approve', finalStatus: null, finalAt: null }), // never pushed
      signIn(4, { decision: 'approve', controlStatus: 409, finalStatus: 'expired' }),
      signIn(5, { shownAt: null, userCode: null, controlStatus: null, finalStatus: 'start_failed', finalAt: 20 }),
    ];
    const run: PhaseRun = {
      startedAt: 0,
      arrivalsEndAt: 0,
      endedAt: 12_000,
      initialBatchAt: 100,
      pendingAtInitialBatch: 5,
      signIns: s,
      samples: [
        { at: 1000, pending: 5 },
        { at: 3000, pending: 4 },
        { at: 5000, pending: 2 },
      ],
      timedOut: false,
    };
    const records = [
      poll('C0', 2010),
      poll('C1', 2020),
      poll('C0', 4010),
      poll('C0', 6010, 'granted'),
      poll('C1', 9000, 'denied'),
    ];
    const a = analyzePhase(run, records, 2, 10);
    expect(a.signIns).toMatchObject({
      started: 6,
      shown: 5,
      startFailed: 1,
      decided: { approve: 2, deny: 1, expire: 1 },
      decisionsRefused: 1,
      unresolved: 1,
      wrongFinal: 2,
      approved: 2,
      approvedAndPushed: 1,
    });
    expect(a.signIns.final).toEqual({ authorized: 2, denied: 1, expired: 1, start_failed: 1 });
    // Window [2 s, 10 s): 5 polls in 8 s; mean pending of samples in it (4, 2) = 3 → 1.5/s expected.
    expect(a.polls.windowS).toBe(8);
    expect(a.polls.perSecond).toBeCloseTo(5 / 8);
    expect(a.polls.expectedPerSecond).toBe(1.5);
    expect(a.polls.earlyGaps).toBe(0);
    expect(a.polls.latenessMs).toMatchObject({ count: 3, min: 0, max: 4980 });
    expect(a.pushLatencyMs).toMatchObject({ count: 1, p50: 90 });
  });
});
