import { Injectable } from '@nestjs/common';
import { SessionRecord, toView } from '../domain/session';
import { wipeProfileIfEnded } from '../domain/session-end';
import { MetricsRepository } from '../repositories/metrics.repository';
import { PushRepository } from '../repositories/push.repository';
import { SessionChange, SessionRepository, StoredSession } from '../repositories/session.repository';

/** Decides a change from the current stored state, or `null` for "leave it as it is". */
export type Transition = (current: StoredSession) => SessionChange | null;

export interface TransitionResult {
  before: SessionRecord;
  after: SessionRecord;
  changed: boolean;
  /** The session as stored after the transition, to chain another one without a read. */
  stored: StoredSession;
}

const MAX_ATTEMPTS = 8;

/**
 * Every change of a session goes through here: compare-and-set against concurrent writers in
 * other processes, then one push when something a kiosk can see changed (its `updatedAt`).
 */
@Injectable()
export class SessionStore {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly push: PushRepository,
    private readonly metrics: MetricsRepository,
  ) {}

  get(id: string): Promise<StoredSession | null> {
    return this.sessions.get(id);
  }

  async create(record: SessionRecord, sealedDeviceCode: string, ttlMs: number): Promise<void> {
    await this.sessions.create(record, sealedDeviceCode, ttlMs);
    this.push.sessionChanged(toView(record));
  }

  /**
   * Applies `transition` atomically; re-reads and re-decides when another process won the race.
   * `known` is the state the caller just read or wrote: trying it first saves a read on the poll path.
   */
  async transition(id: string, transition: Transition, known?: StoredSession): Promise<TransitionResult | null> {
    let current: StoredSession | null | undefined = known;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      current ??= await this.sessions.get(id);
      if (!current) return null;
      const decided = transition(current);
      const change = decided && { ...decided, record: wipeProfileIfEnded(decided.record) };
      if (!change) return { before: current.record, after: current.record, changed: false, stored: current };
      const result = await this.sessions.update(id, current.rev, change);
      if (result === 'missing') return null;
      if (result === 'ok') {
        this.afterChange(current.record, change.record);
        return { before: current.record, after: change.record, changed: true, stored: applied(current, change) };
      }
      current = undefined;
    }
    throw new Error(`session changed concurrently ${MAX_ATTEMPTS} times in a row`);
  }

  private afterChange(before: SessionRecord, after: SessionRecord): void {
    if (before.updatedAt === after.updatedAt) return;
    this.push.sessionChanged(toView(after));
    if (before.status !== after.status && after.status !== 'pending') {
      this.metrics.sessionsEnded.inc({ outcome: after.status });
    }
  }
}

function applied(current: StoredSession, change: SessionChange): StoredSession {
  return {
    record: change.record,
    rev: current.rev + 1,
    sealedDeviceCode: change.sealedDeviceCode === undefined ? current.sealedDeviceCode : change.sealedDeviceCode,
    sealedTokens: change.sealedTokens === undefined ? current.sealedTokens : change.sealedTokens,
  };
}
