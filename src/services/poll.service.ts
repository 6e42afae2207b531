import { Injectable, Logger } from '@nestjs/common';
import { decide, Decision, gate, PollState, startPoll } from '../device-flow/poll-rules';
import { TokenAnswer, TokenSet } from '../device-flow/token-answer';
import { retentionMs, SessionError, SessionRecord } from '../domain/session';
import { StepOutcome } from '../domain/step';
import { ClockRepository } from '../repositories/clock.repository';
import { CryptoRepository } from '../repositories/crypto.repository';
import { MetricsRepository } from '../repositories/metrics.repository';
import { StoredSession } from '../repositories/session.repository';
import { IdentityProvider, ProfileAnswer } from '../repositories/identity-provider';
import { ProfileService } from './profile.service';
import { SessionStore } from './session.store';
import { TokenService } from './token.service';

/**
 * A sign-in as the poller holding it keeps it in memory. Only what a takeover needs is persisted
 * (the interval, when it changes); the rest lives here between polls.
 */
export interface HeldSignIn {
  id: string;
  poll: PollState;
  stage: 'polling' | 'profile';
  /** Decrypted once, when the poller took the sign-in. */
  deviceCode: string;
  /** The session as last read or written: a compare-and-set tries it before reading again. */
  stored: StoredSession;
  /** Profile reads so far (their backoff). */
  attempt: number;
  /**
   * An answer the provider gave that is not stored yet (Redis did not answer). The next step stores
   * it instead of polling again: a token or a final answer must never cost a second request.
   */
  unsaved: Decision | null;
}

const DONE: StepOutcome = { kind: 'done' };

/**
 * A held sign-in as one literal, so that every one V8 makes has the same hidden class: the step
 * reads these fields on each poll. (`{ ...base, more }` would give each its own, see
 * `ProviderHttp.send`.)
 */
function heldSignIn(stored: StoredSession, poll: PollState, stage: HeldSignIn['stage'], deviceCode: string): HeldSignIn {
  return { id: stored.record.id, poll, stage, deviceCode, stored, attempt: 0, unsaved: null };
}

/**
 * One step of a held sign-in: at most one request to the token endpoint, then the device-flow
 * rules (`poll-rules.ts`) say what comes next; after the token, the profile. Runs in workers.
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

  /**
   * What a poller needs to hold the sign-in it claimed, or `null` when there is nothing left to
   * poll. A due sign-in is not polled before `claim.at` (its first poll, or the next poll of a
   * poller that stopped and handed it back). One taken over from a poller that went quiet is
   * treated as if it had been polled when that poller's lease ran out (`claim.at`): it may have
   * polled right before, and never after.
   */
  hold(stored: StoredSession, claim: { at: number; takenOver: boolean }): HeldSignIn | null {
    const record = stored.record;
    if (record.status !== 'pending') return null;
    if (record.stage === 'profile') return heldSignIn(stored, record.poll, 'profile', '');
    if (!stored.sealedDeviceCode) return null;
    const poll = claim.takenOver
      ? startPoll(record.poll, Math.max(claim.at, record.poll.lastPollAt))
      : { ...record.poll, nextPollAt: Math.max(record.poll.nextPollAt, claim.at) };
    return heldSignIn(stored, poll, 'polling', this.crypto.decrypt(stored.sealedDeviceCode, `device:${record.id}`));
  }

  /** The next step of `held`: a poll (or, once the token is in, a profile read). */
  async step(held: HeldSignIn): Promise<StepOutcome> {
    if (held.unsaved) return this.apply(held, held.unsaved);
    if (held.stage === 'profile') return this.profileStep(held);
    const now = this.clock.now();
    const verdict = gate(held.poll, now);
    if (verdict.kind === 'wait') return { kind: 'later', at: verdict.until };
    if (verdict.kind === 'expired') {
      await this.finish(held, 'expired', { code: 'expired_token', message: 'The code expired before anyone approved it.' });
      return DONE;
    }
    const earliest = Math.max(held.poll.nextPollAt, held.poll.lastPollAt + held.poll.intervalS * 1000);
    this.metrics.pollLateness.observe(Math.max(0, now - earliest) / 1000);
    held.poll = startPoll(held.poll, now);
    const answer = await this.provider.pollToken(held.deviceCode);
    this.metrics.polls.inc({ answer: answerLabel(answer) });
    held.unsaved = decide(held.poll, answer, this.clock.now(), () => this.clock.random());
    const profile = held.unsaved.kind === 'granted' ? this.readProfileEarly(held.unsaved.tokens.accessToken) : undefined;
    return this.apply(held, held.unsaved, profile);
  }

  /**
   * Stores what `decision` changes; `held.unsaved` is cleared once it is stored (or moot). `profile`:
   * the profile read started with the token in hand, used once the tokens are stored.
   */
  private async apply(held: HeldSignIn, decision: Decision, profile?: Promise<ProfileAnswer>): Promise<StepOutcome> {
    const outcome = await this.save(held, decision);
    held.unsaved = null;
    return outcome === 'profile' ? this.profileStep(held, profile) : outcome;
  }

  /**
   * The profile is read while the tokens are being stored, not after: the push waits for one Redis
   * write, not two. Nothing about the grant depends on it. The tokens are still stored before
   * anything else happens with the answer, and a sign-in cancelled meanwhile drops both. A read
   * nobody uses in the end settles quietly.
   */
  private readProfileEarly(accessToken: string): Promise<ProfileAnswer> {
    const read = this.provider.getProfile(accessToken);
    read.catch(() => undefined);
    return read;
  }

  private async save(held: HeldSignIn, decision: Decision): Promise<StepOutcome | 'profile'> {
    switch (decision.kind) {
      case 'wait': {
        const slower = decision.state.intervalS !== held.poll.intervalS;
        held.poll = decision.state;
        if (slower && !(await this.saveInterval(held))) return DONE;
        const at = decision.state.nextPollAt;
        return decision.pauseClientUntil
          ? { kind: 'paused', at, pauseMs: decision.pauseClientUntil - this.clock.now() }
          : { kind: 'later', at };
      }
      case 'granted':
        return (await this.saveTokens(held, decision)) ? 'profile' : DONE;
      case 'finished':
        await this.finish(held, decision.status, decision.error);
        return DONE;
    }
  }

  /**
   * The first read of the profile starts from the session as stored with the tokens (and the read
   * already on its way, when there is one); later ones read it again.
   */
  private profileStep(held: HeldSignIn, profile?: Promise<ProfileAnswer>): Promise<StepOutcome> {
    const first = held.attempt === 0;
    return this.profiles.step(held.id, held.attempt++, first ? held.stored : undefined, first ? profile : undefined);
  }

  /** `slow_down` is the one answer a takeover must know about: the interval grew for good. */
  private async saveInterval(held: HeldSignIn): Promise<boolean> {
    const now = this.clock.now();
    const result = await this.store.transition(
      held.id,
      (cur) => {
        if (cur.record.status !== 'pending' || cur.record.stage !== 'polling') return null;
        const record = { ...cur.record, poll: held.poll, updatedAt: now };
        return { record, ttlMs: retentionMs(record, now) };
      },
      held.stored,
    );
    if (!result?.changed) return false;
    held.stored = result.stored;
    return true;
  }

  /** Tokens are stored (sealed) before the profile is read, so a crash after the grant loses nothing. */
  private async saveTokens(held: HeldSignIn, decision: Extract<Decision, { kind: 'granted' }>): Promise<boolean> {
    const now = this.clock.now();
    const sealed = this.tokens.seal(held.id, decision.tokens);
    const result = await this.store.transition(
      held.id,
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
      held.stored,
    );
    // Cancelled while the token was on its way: the tokens are dropped, never stored.
    if (!result || (!result.changed && !this.holdsTokens(result.stored, decision.tokens))) return false;
    held.stored = result.stored;
    held.stage = 'profile';
    held.deviceCode = '';
    return true;
  }

  /**
   * True when `stored` already has these very tokens: an earlier try wrote them, but the answer was
   * lost (a Redis failover) and this retry found them. The grant is then ours to carry on with.
   */
  private holdsTokens(stored: StoredSession, tokens: TokenSet): boolean {
    if (stored.record.stage !== 'profile' || !stored.sealedTokens) return false;
    return this.tokens.open(stored.record.id, stored.sealedTokens).accessToken === tokens.accessToken;
  }

  private async finish(held: HeldSignIn, status: 'expired' | 'denied' | 'failed', error: SessionError): Promise<void> {
    const now = this.clock.now();
    const result = await this.store.transition(
      held.id,
      (cur) => {
        if (cur.record.status !== 'pending' || cur.record.stage !== 'polling') return null;
        const record = { ...cur.record, poll: held.poll, status, error, updatedAt: now };
        return { record, ttlMs: retentionMs(record, now) };
      },
      held.stored,
    );
    if (result?.changed) this.logger.log({ sessionId: held.id, status, code: error.code }, 'sign-in ended');
  }
}

function answerLabel(answer: TokenAnswer): string {
  if (answer.kind === 'transient') return answer.reason === 'http_5xx' ? '5xx' : answer.reason;
  if (answer.kind === 'rate_limited') return '429';
  return answer.kind;
}
