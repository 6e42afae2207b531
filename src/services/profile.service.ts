import { Injectable, Logger } from '@nestjs/common';
import { parseRetryAfter } from '../device-flow/classify-token-answer';
import { DEFAULT_RETRY_AFTER_MS } from '../device-flow/poll-rules';
import { retentionMs, SessionError, SessionRecord } from '../domain/session';
import { ClockRepository } from '../repositories/clock.repository';
import { StepOutcome } from '../domain/step';
import { MetricsRepository } from '../repositories/metrics.repository';
import { IdentityProvider, ProfileAnswer } from '../repositories/identity-provider';
import { StoredSession } from '../repositories/session.repository';
import { SessionStore } from './session.store';
import { TokenService } from './token.service';

/** How long after the token answer we keep trying to read the profile before giving up. */
const PROFILE_DEADLINE_MS = 5 * 60_000;

/**
 * The step between "Webex gave us tokens" and "authorized": read `/people/me` (with one refresh
 * and retry on 401), then publish the profile and schedule the token's first refresh (one write).
 */
@Injectable()
export class ProfileService {
  private readonly logger = new Logger(ProfileService.name);

  constructor(
    private readonly store: SessionStore,
    private readonly provider: IdentityProvider,
    private readonly tokens: TokenService,
    private readonly clock: ClockRepository,
    private readonly metrics: MetricsRepository,
  ) {}

  /**
   * `known`: the session as the caller just stored it (tokens in), to save reading it again.
   * `early`: the read of the profile the caller started with those very tokens, if it did.
   */
  async step(id: string, attempt: number, known?: StoredSession, early?: Promise<ProfileAnswer>): Promise<StepOutcome> {
    const fetched = await this.fetchProfile(id, known, known && early);
    if (!fetched) return { kind: 'done' };
    const { answer, stored } = fetched;
    const now = this.clock.now();
    if (answer.kind === 'ok') {
      const result = await this.store.transition(
        id,
        (cur) => {
          if (cur.record.status !== 'pending' || cur.record.stage !== 'profile') return null;
          const record: SessionRecord = {
            ...cur.record,
            status: 'authorized',
            profile: answer.profile,
            error: null,
            updatedAt: now,
          };
          // Authorized and its first refresh scheduled: one write, never one without the other.
          const refreshAt = this.tokens.refreshDueAt(record, this.clock.random());
          return { record, ttlMs: retentionMs(record, now), refreshAt };
        },
        stored,
      );
      if (result?.changed) {
        const grantedAt = result.after.grantedAt;
        if (grantedAt) {
          this.metrics.pushLatency.observe((this.clock.now() - grantedAt) / 1000);
          this.metrics.timeToApprove.observe(Math.max(0, grantedAt - result.after.createdAt) / 1000);
        }
      }
      return { kind: 'done' };
    }
    if (answer.kind === 'rate_limited') {
      const pauseMs = parseRetryAfter(answer.retryAfter, now) ?? DEFAULT_RETRY_AFTER_MS;
      return { kind: 'paused', at: now + pauseMs, pauseMs };
    }
    const grantedAt = stored.record.grantedAt ?? now;
    const retryable = answer.kind === 'error' && answer.transient;
    if (retryable && now - grantedAt < PROFILE_DEADLINE_MS) {
      const backoff = Math.min(1_000 * 2 ** Math.min(attempt, 6), 30_000);
      return { kind: 'later', at: now + backoff };
    }
    const description = answer.kind === 'error' ? answer.description : answer.kind;
    await this.fail(id, {
      code: 'profile_unavailable',
      message: `Signed in, but Webex did not give the profile (${description}).`,
    });
    return { kind: 'done' };
  }

  /**
   * Reads the profile (with the session it was read for); a 401 gets exactly one refresh and one
   * retry. `null`: the session is gone. `early` stands for the first read, made with `known`'s tokens.
   */
  private async fetchProfile(
    id: string,
    known?: StoredSession,
    early?: Promise<ProfileAnswer>,
  ): Promise<{ answer: ProfileAnswer; stored: StoredSession } | null> {
    let current = known;
    for (let round = 0; ; round++) {
      const stored = current ?? (await this.store.get(id));
      if (stored?.record.status === 'authorized' && round === 0) {
        // A retry: a Redis failover swallowed the answer to the write that authorized it. That write
        // scheduled the refresh too; this makes sure of it, leaving a time already there alone.
        await this.tokens.ensureRefreshScheduled(stored.record);
        return null;
      }
      if (!stored || stored.record.status !== 'pending' || !stored.sealedTokens) return null;
      const answer =
        round === 0 && early
          ? await early
          : await this.provider.getProfile(this.tokens.open(id, stored.sealedTokens).accessToken);
      if (answer.kind !== 'unauthorized' || round === 1) return { answer, stored };
      const refreshed = await this.tokens.refreshNow(id);
      if (refreshed === 'ended') return null;
      current = undefined; // refreshed: read the new tokens
    }
  }

  private async fail(id: string, error: SessionError): Promise<void> {
    const now = this.clock.now();
    await this.store.transition(id, (cur) => {
      if (cur.record.status !== 'pending') return null;
      const record = { ...cur.record, status: 'failed' as const, error, updatedAt: now };
      return { record, ttlMs: retentionMs(record, now), sealedTokens: null, sealedDeviceCode: null };
    });
    this.logger.warn({ sessionId: id, code: error.code }, 'sign-in failed after the token arrived');
  }
}
