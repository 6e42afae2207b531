import { Injectable, Logger } from '@nestjs/common';
import { DEFAULT_RETRY_AFTER_MS } from '../device-flow/poll-rules';
import { TokenAnswer, TokenSet } from '../device-flow/token-answer';
import { NotFoundError, ServiceUnavailableError } from '../domain/errors';
import { retentionMs, SessionRecord } from '../domain/session';
import { ClockRepository } from '../repositories/clock.repository';
import { CryptoRepository } from '../repositories/crypto.repository';
import { StepOutcome } from '../domain/step';
import { LockRepository } from '../repositories/lock.repository';
import { MetricsRepository } from '../repositories/metrics.repository';
import { RefreshScheduleRepository } from '../repositories/refresh-schedule.repository';
import { StoredSession } from '../repositories/session.repository';
import { IdentityProvider } from '../repositories/identity-provider';
import { PauseService } from './pause.service';
import { SessionStore } from './session.store';

/** The integrator API promises a token that stays valid at least this long. */
export const MIN_VALIDITY_MS = 60_000;
const LOCK_TTL_MS = 30_000;
const RETRY_BASE_MS = 2_000;
const RETRY_CAP_MS = 60_000;

/** `unrefreshable`: the provider gave no refresh token; the access token lives until it expires. */
export type RefreshResult = 'refreshed' | 'ended' | 'retry' | 'busy' | 'unrefreshable';

/**
 * Token lifecycle: sealing tokens at rest, refreshing them ahead of expiry (each authorized session
 * has its next refresh in `RefreshScheduleRepository`, run by `RefreshScheduler`), and handing out
 * fresh access tokens. Refreshes of one session are serialized by a lock, because Webex may rotate
 * the refresh token and a second concurrent refresh with the old one would be refused.
 */
@Injectable()
export class TokenService {
  private readonly logger = new Logger(TokenService.name);

  constructor(
    private readonly store: SessionStore,
    private readonly provider: IdentityProvider,
    private readonly crypto: CryptoRepository,
    private readonly refreshes: RefreshScheduleRepository,
    private readonly pauses: PauseService,
    private readonly locks: LockRepository,
    private readonly clock: ClockRepository,
    private readonly metrics: MetricsRepository,
  ) {}

  seal(id: string, tokens: TokenSet): string {
    return this.crypto.encrypt(JSON.stringify(tokens), `tokens:${id}`);
  }

  open(id: string, sealed: string): TokenSet {
    return JSON.parse(this.crypto.decrypt(sealed, `tokens:${id}`)) as TokenSet;
  }

  /**
   * When to refresh: after 75–90% of the access token's lifetime. The jitter spreads a fleet that
   * signed in together, so its refreshes do not arrive at Webex in one burst.
   */
  refreshDueAt(record: SessionRecord, random: number): number {
    const expires = record.accessExpiresAt ?? this.clock.now();
    const issued = record.accessIssuedAt ?? expires;
    return issued + (expires - issued) * (0.75 + 0.15 * random);
  }

  /** Schedules a refresh of an authorized session unless one is scheduled (or held by a worker) already. */
  async ensureRefreshScheduled(record: SessionRecord): Promise<void> {
    await this.refreshes.scheduleIfAbsent(record.id, this.refreshDueAt(record, this.clock.random()));
  }

  /**
   * A session's refresh, at its time: refreshes if due, and says when to come back. After a
   * failure it comes back after as long again as the refresh is overdue (2 s at least, a minute at
   * most): an exponential backoff that needs no count of attempts.
   */
  async refreshStep(id: string): Promise<StepOutcome> {
    const stored = await this.store.get(id);
    if (!stored || stored.record.status !== 'authorized') return { kind: 'done' };
    const now = this.clock.now();
    // The schedule carries the jitter; `due` at its earliest bound only guards an early run.
    const due = this.refreshDueAt(stored.record, 0);
    if (now < due) return { kind: 'later', at: this.refreshDueAt(stored.record, this.clock.random()) };
    // A 429 pauses every call with this client id, refreshes included.
    const pausedMs = await this.pauses.pausedForMs();
    if (pausedMs > 0) return { kind: 'later', at: now + pausedMs };
    const result = await this.refreshNow(id);
    if (result === 'ended') return { kind: 'done' };
    // Nothing to refresh with: come back when the access token expires, and end the session then.
    if (result === 'unrefreshable') return { kind: 'later', at: stored.record.accessExpiresAt ?? now };
    if (result === 'refreshed') {
      const fresh = await this.store.get(id);
      if (!fresh || fresh.record.status !== 'authorized') return { kind: 'done' };
      return { kind: 'later', at: this.refreshDueAt(fresh.record, this.clock.random()) };
    }
    const backoff = Math.min(Math.max(RETRY_BASE_MS, now - due), RETRY_CAP_MS);
    return { kind: 'later', at: now + backoff * (1 + 0.25 * this.clock.random()) };
  }

  /** An access token valid for at least the next minute (or as long as Webex issues them for). */
  async freshAccessToken(id: string): Promise<{ accessToken: string; expiresAt: number }> {
    for (let round = 0; round < 3; round++) {
      const stored = await this.store.get(id);
      if (!stored || stored.record.status !== 'authorized' || !stored.sealedTokens) {
        throw new NotFoundError('There is no live token for this session');
      }
      const tokens = this.open(id, stored.sealedTokens);
      if (this.isFreshEnough(tokens, stored.record)) {
        return { accessToken: tokens.accessToken, expiresAt: tokens.accessExpiresAt };
      }
      if ((await this.pauses.pausedForMs()) > 0) {
        throw new ServiceUnavailableError('Webex asked this service to slow down; try again shortly');
      }
      const result = await this.refreshNow(id);
      // Without a refresh token the current one is the best there is, until it expires.
      if (result === 'unrefreshable') return { accessToken: tokens.accessToken, expiresAt: tokens.accessExpiresAt };
      if (result === 'ended') throw new NotFoundError('There is no live token for this session');
      if (result === 'retry') throw new ServiceUnavailableError('Webex could not refresh the token; try again shortly');
    }
    throw new ServiceUnavailableError('The token is being refreshed; try again shortly');
  }

  /**
   * Refreshes now under the session's lock. 'busy' means another process is refreshing: callers
   * re-read the session, which will carry that process's result.
   */
  async refreshNow(id: string): Promise<RefreshResult> {
    const release = await this.locks.tryAcquire(`refresh:${id}`, LOCK_TTL_MS);
    if (!release) return this.awaitOtherRefresh(id);
    try {
      const stored = await this.store.get(id);
      if (!stored || !stored.sealedTokens || stored.record.status === 'signed_out') return 'ended';
      const { refreshToken } = this.open(id, stored.sealedTokens);
      if (!refreshToken) return await this.endWithAccessToken(stored);
      const answer = await this.provider.refresh(refreshToken);
      return await this.applyRefresh(stored, answer);
    } finally {
      await release();
    }
  }

  private async applyRefresh(stored: StoredSession, answer: TokenAnswer): Promise<RefreshResult> {
    const id = stored.record.id;
    const now = this.clock.now();
    if (answer.kind === 'granted') {
      const previous = this.open(id, stored.sealedTokens!);
      // RFC 6749 §6: a new refresh token is optional; keep the old one when none comes back.
      const tokens = { ...answer.tokens, refreshToken: answer.tokens.refreshToken || previous.refreshToken };
      const sealed = this.seal(id, tokens);
      const result = await this.store.transition(id, (cur) => {
        if (cur.record.status !== 'authorized' && cur.record.stage !== 'profile') return null;
        const record = {
          ...cur.record,
          accessIssuedAt: now,
          accessExpiresAt: tokens.accessExpiresAt,
          refreshExpiresAt: tokens.refreshExpiresAt ?? cur.record.refreshExpiresAt,
        };
        return { record, ttlMs: retentionMs(record, now), sealedTokens: sealed };
      });
      this.metrics.refreshes.inc({ outcome: 'ok' });
      return result?.changed ? 'refreshed' : 'ended';
    }
    if (answer.kind === 'transient' || answer.kind === 'rate_limited') {
      this.metrics.refreshes.inc({ outcome: answer.kind });
      if (answer.kind === 'rate_limited') await this.pauses.pause(answer.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
      this.logger.warn({ sessionId: id, answer: answer.kind }, 'token refresh failed, will retry');
      return 'retry';
    }
    // invalid_grant and every other refusal: the refresh token is dead (revoked or expired).
    this.metrics.refreshes.inc({ outcome: 'rejected' });
    const code = answer.kind === 'fatal' ? answer.code : answer.kind;
    await this.store.transition(id, (cur) => {
      if (cur.record.status !== 'authorized' && cur.record.status !== 'pending') return null;
      const record = {
        ...cur.record,
        status: 'failed' as const,
        updatedAt: now,
        error: { code: 'refresh_failed', message: `Webex no longer accepts this sign-in (${code}); please sign in again.` },
      };
      return { record, ttlMs: retentionMs(record, now) };
    });
    return 'ended';
  }

  /**
   * A provider that issues no refresh token (no `offline_access`, or a policy that forbids it):
   * the sign-in lasts exactly as long as its access token, then the kiosk is told it ended.
   */
  private async endWithAccessToken(stored: StoredSession): Promise<RefreshResult> {
    const now = this.clock.now();
    if (now < (stored.record.accessExpiresAt ?? now)) return 'unrefreshable';
    const result = await this.store.transition(stored.record.id, (cur) => {
      if (cur.record.status !== 'authorized') return null;
      const record = {
        ...cur.record,
        status: 'expired' as const,
        updatedAt: now,
        error: { code: 'session_expired', message: 'The sign-in ended when its access token expired; please sign in again.' },
      };
      return { record, ttlMs: retentionMs(record, now), sealedTokens: null, sealedDeviceCode: null };
    });
    if (!result) return 'ended';
    if (!result.changed) return 'unrefreshable'; // still in the profile stage: its own rules end it
    this.logger.log({ sessionId: stored.record.id }, 'sign-in ended: access token expired, no refresh token');
    return 'ended';
  }

  private isFreshEnough(tokens: TokenSet, record: SessionRecord): boolean {
    const remaining = tokens.accessExpiresAt - this.clock.now();
    const lifetime = tokens.accessExpiresAt - (record.accessIssuedAt ?? tokens.accessExpiresAt);
    // Tokens shorter-lived than two minutes (tests, odd tenants) cannot promise a whole minute.
    return remaining >= Math.min(MIN_VALIDITY_MS, lifetime / 2);
  }

  private async awaitOtherRefresh(id: string): Promise<RefreshResult> {
    const before = await this.store.get(id);
    for (let i = 0; i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = await this.store.get(id);
      if (!now || now.record.status !== 'authorized') return 'ended';
      if (now.sealedTokens !== before?.sealedTokens) return 'refreshed';
    }
    return 'busy';
  }
}
