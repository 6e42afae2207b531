import { Injectable, Logger } from '@nestjs/common';
import { decide, Decision, gate, startPoll } from '../device-flow/poll-rules';
import { TokenAnswer } from '../device-flow/token-answer';
import { retentionMs, SessionError, SessionRecord } from '../domain/session';
import { ClockRepository } from '../repositories/clock.repository';
import { CryptoRepository } from '../repositories/crypto.repository';
import { StepOutcome } from '../repositories/job.repository';
import { MetricsRepository } from '../repositories/metrics.repository';
import { StoredSession } from '../repositories/session.repository';
import { IdentityProvider } from '../repositories/identity-provider';
import { ProfileService } from './profile.service';
import { SessionStore } from './session.store';
import { TokenService } from './token.service';

const DONE: StepOutcome = { kind: 'done' };

/**
 * One step of a session's poll job: at most one request to Webex's token endpoint, then the
 * device-flow rules (`poll-rules.ts`) say what comes next. Runs in worker processes.
 */
@Injectable()
export class PollService {
  private readonly logger = new Logger(PollService.name);

  constructor(
    private readonly store: SessionStore,
    private readonly provider: IdentityProvider,
    private readonly crypto: CryptoRepository,
    private readonly tokens: TokenService,
    private readonly profiles: ProfileService,
    private readonly clock: ClockRepository,
    private readonly metrics: MetricsRepository,
  ) {}

  async step(id: string, attempt: number): Promise<StepOutcome> {
    const stored = await this.store.get(id);
    if (!stored || stored.record.status !== 'pending') return DONE;
    if (stored.record.stage === 'profile') return this.profiles.step(id, attempt);
    const now = this.clock.now();
    const verdict = gate(stored.record.poll, now);
    if (verdict.kind === 'wait') return { kind: 'later', at: verdict.until };
    if (verdict.kind === 'expired') {
      await this.finish(id, 'expired', { code: 'expired_token', message: 'The code expired before anyone approved it.' }, stored);
      return DONE;
    }
    const polling = await this.markPollStarted(stored, now);
    if (!polling) return { kind: 'later', at: now }; // someone changed it meanwhile: re-read and decide again
    const answer = await this.provider.pollToken(this.crypto.decrypt(stored.sealedDeviceCode ?? '', `device:${id}`));
    this.metrics.polls.inc({ answer: answerLabel(answer) });
    const decision = decide(polling.record.poll, answer, this.clock.now(), () => this.clock.random());
    return this.apply(polling, decision, attempt);
  }

  /** Persists the poll's start before calling Webex, so a crash mid-call cannot lead to an early retry. */
  private async markPollStarted(stored: StoredSession, now: number): Promise<StoredSession | null> {
    const earliest = Math.max(stored.record.poll.nextPollAt, stored.record.poll.lastPollAt + stored.record.poll.intervalS * 1000);
    const record = { ...stored.record, poll: startPoll(stored.record.poll, now) };
    const result = await this.store.transition(
      stored.record.id,
      (cur) => (cur.rev === stored.rev ? { record, ttlMs: retentionMs(record, now) } : null),
      stored,
    );
    if (!result?.changed) return null;
    this.metrics.pollLateness.observe(Math.max(0, now - earliest) / 1000);
    return result.stored;
  }

  private async apply(polling: StoredSession, decision: Decision, attempt: number): Promise<StepOutcome> {
    const id = polling.record.id;
    const poll = polling.record.poll;
    const now = this.clock.now();
    switch (decision.kind) {
      case 'wait': {
        const intervalChanged = decision.state.intervalS !== poll.intervalS;
        const result = await this.store.transition(
          id,
          (cur) => {
            if (cur.record.status !== 'pending' || cur.record.stage !== 'polling') return null;
            const record = { ...cur.record, poll: decision.state, updatedAt: intervalChanged ? now : cur.record.updatedAt };
            return { record, ttlMs: retentionMs(record, now) };
          },
          polling,
        );
        if (!result?.changed) return DONE;
        const at = decision.state.nextPollAt;
        return decision.pauseClientUntil
          ? { kind: 'paused', at, pauseMs: decision.pauseClientUntil - now }
          : { kind: 'later', at };
      }
      case 'granted': {
        const sealed = this.tokens.seal(id, decision.tokens);
        const result = await this.store.transition(
          id,
          (cur) => {
            if (cur.record.status !== 'pending' || cur.record.stage !== 'polling') return null;
            const record: SessionRecord = {
              ...cur.record,
              stage: 'profile',
              grantedAt: now,
              accessIssuedAt: now,
              accessExpiresAt: decision.tokens.accessExpiresAt,
              refreshExpiresAt: decision.tokens.refreshExpiresAt,
            };
            return { record, ttlMs: retentionMs(record, now), sealedTokens: sealed, sealedDeviceCode: null };
          },
          polling,
        );
        // Cancelled while the token was on its way: the tokens are dropped, never stored.
        if (!result?.changed) return DONE;
        return this.profiles.step(id, attempt);
      }
      case 'finished':
        await this.finish(id, decision.status, decision.error, polling);
        return DONE;
    }
  }

  private async finish(
    id: string,
    status: 'expired' | 'denied' | 'failed',
    error: SessionError,
    known?: StoredSession,
  ): Promise<void> {
    const now = this.clock.now();
    const result = await this.store.transition(
      id,
      (cur) => {
        if (cur.record.status !== 'pending' || cur.record.stage !== 'polling') return null;
        const record = { ...cur.record, status, error, updatedAt: now };
        return { record, ttlMs: retentionMs(record, now), sealedDeviceCode: null };
      },
      known,
    );
    if (result?.changed) this.logger.log({ sessionId: id, status, code: error.code }, 'sign-in ended');
  }
}

function answerLabel(answer: TokenAnswer): string {
  if (answer.kind === 'transient') return answer.reason === 'http_5xx' ? '5xx' : answer.reason;
  if (answer.kind === 'rate_limited') return '429';
  return answer.kind;
}
