import { FaultPlan } from './fault.plan';
import { GrantStore } from './grant.store';
import { PollLog } from './poll.log';
import { buildPerson, type SimPerson } from './sim-person';
import { sessionState, type SimSession } from './sim-session';
import { SessionStore } from './session.store';
import { emptyStats, type SimStats } from './sim-stats';
import type { SimulatorSettings } from './simulator-settings';
import { normalizeUserCode } from './sim-random';

export interface CoreOptions {
  publicBaseUrl: string;
  settings: SimulatorSettings;
  now: () => number;
  logger: (line: string) => void;
  maxPollRecords: number;
}

/** Why a control action did not apply: the control API maps these to 404 / 409. */
export type ActionResult = 'ok' | 'unknown' | 'not_pending';

/**
 * The simulator's whole state and the actions on it, shared by the Webex
 * routes, the verification page, the control API and the programmatic API so
 * all four see one truth.
 */
export interface RefreshRecord {
  /** `null` when the refresh token was unknown (never issued, rotated away or revoked). */
  userCode: string | null;
  at: number;
  outcome: 'ok' | 'invalid_grant';
}

const MAX_REFRESH_RECORDS = 100_000;

export class SimulatorCore {
  readonly sessions = new SessionStore();
  readonly grants = new GrantStore();
  readonly faults = new FaultPlan();
  readonly polls: PollLog;
  /** Every refresh answered, newest last (bounded like the poll log). */
  readonly refreshes: RefreshRecord[] = [];
  readonly settings: SimulatorSettings;
  readonly now: () => number;
  readonly publicBaseUrl: string;
  stats: SimStats = emptyStats();
  private readonly initialSettings: SimulatorSettings;
  private readonly log: (line: string) => void;

  constructor(options: CoreOptions) {
    this.settings = options.settings;
    this.initialSettings = { ...options.settings };
    this.now = options.now;
    this.log = options.logger;
    this.polls = new PollLog(options.maxPollRecords);
    this.publicBaseUrl = options.publicBaseUrl.replace(/\/+$/, '');
  }

  verificationUri(): string {
    return `${this.publicBaseUrl}/verify`;
  }

  verificationUriComplete(userCode: string): string {
    return `${this.verificationUri()}?userCode=${encodeURIComponent(userCode)}`;
  }

  avatarUrl(initials: string): string {
    return `${this.publicBaseUrl}/avatar.svg?initials=${encodeURIComponent(initials)}`;
  }

  findSession(userCode: string): SimSession | undefined {
    return this.sessions.byUser(userCode);
  }

  approve(userCode: string, person: Partial<SimPerson> = {}): ActionResult {
    const session = this.pendingSession(userCode);
    if (typeof session === 'string') return session;
    session.decision = 'approved';
    session.person = buildPerson(person, (i) => this.avatarUrl(i), this.now());
    this.stats.approvals += 1;
    // The user code is shown on the kiosk anyway; the device code never is.
    this.log(`Webex simulator: ${session.userCode} approved as ${session.person.displayName}`);
    return 'ok';
  }

  deny(userCode: string): ActionResult {
    const session = this.pendingSession(userCode);
    if (typeof session === 'string') return session;
    session.decision = 'denied';
    this.stats.denials += 1;
    this.log(`Webex simulator: ${session.userCode} denied`);
    return 'ok';
  }

  /** Ends a pending or approved-but-unredeemed code as if its lifetime ran out. */
  expire(userCode: string): ActionResult {
    const session = this.sessions.byUser(userCode);
    if (session === undefined) return 'unknown';
    const state = sessionState(session, this.now());
    if (state !== 'pending' && state !== 'approved') return 'not_pending';
    session.forcedExpired = true;
    return 'ok';
  }

  /** Kills the refresh and access tokens issued for that sign-in. */
  revoke(userCode: string): boolean {
    const revoked = this.grants.revoke(normalizeUserCode(userCode));
    if (revoked) this.stats.revocations += 1;
    return revoked;
  }

  /** Forgets everything, and puts the settings back to what they were at creation. */
  recordRefresh(record: RefreshRecord): void {
    if (this.refreshes.length >= MAX_REFRESH_RECORDS) this.refreshes.shift();
    this.refreshes.push(record);
  }

  reset(): void {
    this.refreshes.length = 0;
    this.sessions.clear();
    this.grants.clear();
    this.faults.clear();
    this.polls.clear();
    this.stats = emptyStats();
    Object.assign(this.settings, this.initialSettings);
  }

  private pendingSession(userCode: string): SimSession | 'unknown' | 'not_pending' {
    const session = this.sessions.byUser(userCode);
    if (session === undefined) return 'unknown';
    if (sessionState(session, this.now()) !== 'pending') return 'not_pending';
    return session;
  }
}
