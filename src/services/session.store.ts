import { Injectable } from '@nestjs/common';
import { isFinal, Profile, SessionRecord, toView, usableUntil } from '../domain/session';
import { CryptoRepository } from '../repositories/crypto.repository';
import { MetricsRepository } from '../repositories/metrics.repository';
import { PushRepository } from '../repositories/push.repository';
import { ReplicationUnconfirmedError } from '../repositories/replication.repository';
import { SessionRepository, StoredSession } from '../repositories/session.repository';

/** What a transition writes. `null` for a secret deletes it; `undefined` leaves it as it is. */
export interface SessionChange {
  record: SessionRecord;
  ttlMs: number;
  sealedTokens?: string | null;
  sealedDeviceCode?: string | null;
  /** Schedules the session's next token refresh for then, in the same atomic write as the change. */
  refreshAt?: number;
}

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
 * other processes, then one push when something a kiosk can see changed (its `updatedAt`). The
 * profile is sealed on the way in and opened on the way out, so callers handle it in the clear
 * and Redis never holds it so; a session that ends keeps none of its secrets.
 */
@Injectable()
export class SessionStore {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly crypto: CryptoRepository,
    private readonly push: PushRepository,
    private readonly metrics: MetricsRepository,
  ) {}

  async get(id: string): Promise<StoredSession | null> {
    const stored = await this.sessions.get(id);
    return stored && this.opened(stored);
  }

  async getMany(ids: string[]): Promise<SessionRecord[]> {
    return (await this.sessions.getMany(ids)).map((s) => this.opened(s).record);
  }

  async create(record: SessionRecord, sealedDeviceCode: string, ttlMs: number): Promise<void> {
    await this.sessions.create(
      { record: { ...record, profile: null }, sealedDeviceCode, sealedTokens: null, sealedProfile: null },
      ttlMs,
    );
    this.push.sessionCreated(toView(record));
  }

  /**
   * Applies `transition` atomically; re-reads and re-decides when another process won the race.
   * `known` is the state the caller just read or wrote: trying it first saves a read.
   */
  async transition(id: string, transition: Transition, known?: StoredSession): Promise<TransitionResult | null> {
    let current: StoredSession | null | undefined = known;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      current ??= await this.get(id);
      if (!current) return null;
      const change = transition(current);
      if (!change) return { before: current.record, after: current.record, changed: false, stored: current };
      const next = this.applied(current, change);
      const before = current.record;
      const { rev: _rev, ...stored } = next;
      const value = { ...stored, record: { ...next.record, profile: null } };
      const result = await this.sessions
        .update(
          id,
          current.rev,
          value,
          change.ttlMs,
          this.indexUntil(current.record, next.record, change.ttlMs),
          mustSurviveFailover(current.record, change),
          change.refreshAt ?? null,
        )
        .catch((err: unknown) => {
          // Applied, but the replicas' confirmation was cut off by a failover. Kiosks hear of it now:
          // the caller tries again and finds the change made (no push then), or makes it again.
          if (err instanceof ReplicationUnconfirmedError) this.afterChange(before, next.record);
          throw err;
        });
      if (result === 'missing') return null;
      if (result === 'ok') {
        this.afterChange(current.record, next.record);
        return { before: current.record, after: next.record, changed: true, stored: next };
      }
      current = undefined;
    }
    throw new Error(`session changed concurrently ${MAX_ATTEMPTS} times in a row`);
  }

  /** The fleet view's index lists sessions past pending (see `SessionRepository`), until their key expires. */
  private indexUntil(before: SessionRecord, after: SessionRecord, ttlMs: number): number | null {
    if (after.status === 'pending') return null;
    const leaving = before.status === 'pending';
    return leaving || usableUntil(after) > usableUntil(before) ? Date.now() + ttlMs : null;
  }

  private afterChange(before: SessionRecord, after: SessionRecord): void {
    if (before.updatedAt === after.updatedAt) return;
    this.push.sessionChanged(toView(after));
    if (before.status !== after.status && after.status !== 'pending') {
      this.metrics.sessionsEnded.inc({ outcome: after.status });
    }
  }

  /** The stored state after `change`; a finished session drops its device code, tokens and profile. */
  private applied(current: StoredSession, change: SessionChange): StoredSession {
    const id = current.record.id;
    if (isFinal(change.record.status)) {
      return {
        record: { ...change.record, profile: null },
        rev: current.rev + 1,
        sealedDeviceCode: null,
        sealedTokens: null,
        sealedProfile: null,
      };
    }
    const profile = change.record.profile;
    return {
      record: change.record,
      rev: current.rev + 1,
      sealedDeviceCode: change.sealedDeviceCode === undefined ? current.sealedDeviceCode : change.sealedDeviceCode,
      sealedTokens: change.sealedTokens === undefined ? current.sealedTokens : change.sealedTokens,
      sealedProfile:
        profile === current.record.profile
          ? current.sealedProfile
          : profile && this.crypto.encrypt(JSON.stringify(profile), `profile:${id}`),
    };
  }

  private opened(stored: StoredSession): StoredSession {
    if (!stored.sealedProfile) return stored;
    const profile = JSON.parse(this.crypto.decrypt(stored.sealedProfile, `profile:${stored.record.id}`)) as Profile;
    return { ...stored, record: { ...stored.record, profile } };
  }
}

/**
 * The changes a Redis failover must not undo (confirmed by replicas where Sentinel is configured):
 * a new status (a kiosk was told, a person decided), new tokens (a grant, a rotated refresh token),
 * a longer interval (a poller taking over must not poll sooner).
 */
function mustSurviveFailover(before: SessionRecord, change: SessionChange): boolean {
  return (
    before.status !== change.record.status ||
    typeof change.sealedTokens === 'string' ||
    change.record.poll.intervalS > before.poll.intervalS
  );
}
