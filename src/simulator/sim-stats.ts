import { POLL_OUTCOMES, type PollOutcome, type PollRecord } from './poll.log';

/** Counters for tests and the benchmark; exact even when the poll log wraps. */
export interface SimStats {
  authorizations: number;
  polls: number;
  pollsByOutcome: Record<PollOutcome, number>;
  /** Polls sooner than the interval in force (whether or not answered `slow_down`). */
  earlyPolls: number;
  /** Polls of a code that had already been given a final answer. */
  afterTerminal: number;
  /** Redemptions of an already redeemed device code. */
  doubleRedemptions: number;
  grants: number;
  refreshes: number;
  refreshFailures: number;
  peopleCalls: number;
  approvals: number;
  denials: number;
  revocations: number;
  /** Calls answered (or delayed) by an injected fault, across all endpoints. */
  faultsInjected: number;
}

function zeroOutcomes(): Record<PollOutcome, number> {
  const counts = {} as Record<PollOutcome, number>;
  for (const outcome of POLL_OUTCOMES) counts[outcome] = 0;
  return counts;
}

export function emptyStats(): SimStats {
  return {
    authorizations: 0,
    polls: 0,
    pollsByOutcome: zeroOutcomes(),
    earlyPolls: 0,
    afterTerminal: 0,
    doubleRedemptions: 0,
    grants: 0,
    refreshes: 0,
    refreshFailures: 0,
    peopleCalls: 0,
    approvals: 0,
    denials: 0,
    revocations: 0,
    faultsInjected: 0,
  };
}

export function countPoll(stats: SimStats, record: PollRecord): void {
  stats.polls += 1;
  stats.pollsByOutcome[record.outcome] += 1;
  if (record.early) stats.earlyPolls += 1;
  if (record.afterTerminal) stats.afterTerminal += 1;
}

export function copyStats(stats: SimStats): SimStats {
  return { ...stats, pollsByOutcome: { ...stats.pollsByOutcome } };
}
