import type { SimPerson } from './sim-person';

/** Where one device code stands, as the control API reports it. */
export type SessionState = 'pending' | 'approved' | 'denied' | 'expired' | 'redeemed';

/** One device authorization, from `/device/authorize` to redemption. */
export interface SimSession {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly clientId: string;
  readonly scope: string;
  /** Epoch ms of the authorize answer. */
  readonly createdAt: number;
  readonly expiresAt: number;
  /** The interval in force for this code; grows by 5 s on each `slow_down`. */
  intervalS: number;
  /**
   * Epoch ms of the previous poll, or of the authorize answer before the first
   * poll: RFC 8628 wants the first poll to wait an interval too.
   */
  lastPollAt: number;
  pollCount: number;
  /** `slow_down` answers asked for through the control API, given to the next pending polls. */
  slowDownsRequested: number;
  decision: 'approved' | 'denied' | null;
  person: SimPerson | null;
  /** Set by the control API to end a code early without moving the clock. */
  forcedExpired: boolean;
  redeemedAt: number | null;
  /**
   * Epoch ms when a poll was first told a final answer (granted, denied,
   * expired). Polls after it are counted: a correct client has stopped.
   */
  terminalAnsweredAt: number | null;
}

/** Derived rather than stored, so expiry needs no timer per session. */
export function sessionState(session: SimSession, now: number): SessionState {
  if (session.redeemedAt !== null) return 'redeemed';
  if (session.decision === 'denied') return 'denied';
  if (session.forcedExpired || now >= session.expiresAt) return 'expired';
  if (session.decision === 'approved') return 'approved';
  return 'pending';
}

/** The control API's view of a session: no device code, no tokens. */
export interface SessionSnapshot {
  userCode: string;
  state: SessionState;
  interval: number;
  pollCount: number;
  createdAt: number;
  expiresAt: number;
  lastPollAt: number | null;
  displayName: string | null;
}

export function snapshotSession(session: SimSession, now: number): SessionSnapshot {
  return {
    userCode: session.userCode,
    state: sessionState(session, now),
    interval: session.intervalS,
    pollCount: session.pollCount,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    lastPollAt: session.pollCount > 0 ? session.lastPollAt : null,
    displayName: session.person?.displayName ?? null,
  };
}
