import { Injectable, Logger } from '@nestjs/common';
import { parseRetryAfter } from '../device-flow/classify-token-answer';
import { DEFAULT_RETRY_AFTER_MS } from '../device-flow/poll-rules';
import { retentionMs, SessionError, SessionRecord } from '../domain/session';
import { ClockRepository } from '../repositories/clock.repository';
import { StepOutcome } from '../domain/step';
import { MetricsRepository } from '../repositories/metrics.repository';
import { IdentityProvider, ProfileAnswer } from '../repositories/identity-provider';
import { SessionStore } from './session.store';
import { TokenService } from './token.service';

/** How long after the token answer we keep trying to read the profile before giving up. */
const PROFILE_DEADLINE_MS = 5 * 60_000;

/**
 * The step between "Webex gave us tokens" and "authorized": read `/people/me` (with one refresh
 * and retry on 401), then publish the profile and start the token's refresh schedule.
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

  async step(id: string, attempt: number): Promise<StepOutcome> {
    const answer = await this.fetchProfile(id);
    if (!answer) return { kind: 'done' };
    const now = this.clock.now();
    if (answer.kind === 'ok') {
      const result = await this.store.transition(id, (cur) => {
        if (cur.record.status !== 'pending' || cur.record.stage !== 'profile') return null;
        const record: SessionRecord = {
          ...cur.record,
          status: 'authorized',
          profile: answer.profile,
          error: null,
          updatedAt: now,
        };
        return { record, ttlMs: retentionMs(record, now) };
      });
      if (result?.changed) {
        if (result.after.grantedAt) this.metrics.pushLatency.observe((this.clock.now() - result.after.grantedAt) / 1000);
        await this.tokens.scheduleRefresh(result.after);
      }
      return { kind: 'done' };
    }
    if (answer.kind === 'rate_limited') {
      const pauseMs = parseRetryAfter(answer.retryAfter, now) ?? DEFAULT_RETRY_AFTER_MS;
      return { kind: 'paused', at: now + pauseMs, pauseMs };
    }
    const stored = await this.store.get(id);
    const grantedAt = stored?.record.grantedAt ?? now;
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

  /** Reads the profile; a 401 gets exactly one refresh and one retry. `null`: the session is gone. */
  private async fetchProfile(id: string): Promise<ProfileAnswer | null> {
    for (let round = 0; round < 2; round++) {
      const stored = await this.store.get(id);
      if (stored?.record.status === 'authorized' && round === 0) {
        // A retry: a Redis failover swallowed the answer to the write that authorized it, and with it
        // the refresh schedule that follows. Scheduling is idempotent (the job's id is the session's).
        await this.tokens.scheduleRefresh(stored.record);
        return null;
      }
      if (!stored || stored.record.status !== 'pending' || !stored.sealedTokens) return null;
      const answer = await this.provider.getProfile(this.tokens.open(id, stored.sealedTokens).accessToken);
      if (answer.kind !== 'unauthorized' || round === 1) return answer;
      const refreshed = await this.tokens.refreshNow(id);
      if (refreshed === 'ended') return null;
    }
    return { kind: 'unauthorized' };
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
