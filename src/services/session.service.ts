import { Injectable, Logger } from '@nestjs/common';
import QRCode from 'qrcode';
import { z } from 'zod';
import { initialPollState } from '../device-flow/poll-rules';
import { TokenSet } from '../device-flow/token-answer';
import { InvalidRequestError, NotFoundError, UpstreamError } from '../domain/errors';
import { KIOSK_ID_PATTERN, retentionMs, SessionRecord, SessionView, toView } from '../domain/session';
import { SESSION_ID_PATTERN, Shards } from '../domain/shards';
import { ClockRepository } from '../repositories/clock.repository';
import { CryptoRepository } from '../repositories/crypto.repository';
import { JobRepository, QUEUE_NAMES } from '../repositories/job.repository';
import { LeaseRepository } from '../repositories/lease.repository';
import { MetricsRepository } from '../repositories/metrics.repository';
import { RefreshScheduleRepository } from '../repositories/refresh-schedule.repository';
import { DeviceAuthorization, IdentityProvider, ProviderRequestError } from '../repositories/identity-provider';
import { DeadlineService } from './deadline.service';
import { PauseService } from './pause.service';
import { SessionStore } from './session.store';

// Unknown fields are ignored rather than refused: kiosks of a newer version may send more.
export const createSessionSchema = z.object({
  kioskId: z.string().regex(KIOSK_ID_PATTERN, 'kioskId must match ^[A-Za-z0-9._-]{1,64}$').optional(),
});

export const sessionIdSchema = z.string().regex(SESSION_ID_PATTERN);

/** The kiosk-facing side of sessions: start a device authorization, read it, end it. */
@Injectable()
export class SessionService {
  private readonly logger = new Logger(SessionService.name);

  constructor(
    private readonly store: SessionStore,
    private readonly provider: IdentityProvider,
    private readonly crypto: CryptoRepository,
    private readonly jobs: JobRepository,
    private readonly leases: LeaseRepository,
    private readonly refreshes: RefreshScheduleRepository,
    private readonly pauses: PauseService,
    private readonly deadlines: DeadlineService,
    private readonly clock: ClockRepository,
    private readonly metrics: MetricsRepository,
    private readonly shards: Shards,
  ) {}

  /**
   * Starts a sign-in. `admit` is the caller's own check (its limits) of the sign-in about to start
   * (its id), run before anything is asked of the provider; it and the pause are read together, so
   * their Redis reads share one write. `alongside` is the caller's own write for the new sign-in
   * (its kiosk's slot), sent with the session's so that they share one write too; the sign-in has
   * started once both are done.
   */
  async create(
    body: unknown,
    admit: (id: string) => Promise<void> = () => Promise.resolve(),
    alongside: (view: SessionView) => Promise<void> = () => Promise.resolve(),
  ): Promise<SessionView> {
    const input = createSessionSchema.safeParse(body ?? {});
    if (!input.success) throw new InvalidRequestError(input.error.issues.map((i) => i.message).join('; '));
    // Anyone holding a session id can watch or end that sign-in, so it carries 128 random bits
    // (after its shard, when there are several).
    const id = this.shards.newId();
    const authorization = await this.authorize(() => admit(id));
    const now = this.clock.now();
    const record: SessionRecord = {
      id,
      kioskId: input.data.kioskId ?? null,
      provider: this.provider.description,
      status: 'pending',
      stage: 'polling',
      userCode: authorization.userCode,
      verificationUri: authorization.verificationUri,
      verificationUriComplete: authorization.verificationUriComplete,
      poll: initialPollState({ intervalS: authorization.intervalS, expiresInS: authorization.expiresInS, now }),
      createdAt: now,
      updatedAt: now,
      profile: null,
      error: null,
      grantedAt: null,
      accessIssuedAt: null,
      accessExpiresAt: null,
      refreshExpiresAt: null,
    };
    const sealedDeviceCode = this.crypto.encrypt(authorization.deviceCode, `device:${id}`);
    const view = toView(record);
    // A poller claims it from the due set before its first poll; the queue job marks its deadline.
    await Promise.all([
      this.store.create(record, sealedDeviceCode, retentionMs(record, now)),
      this.leases.enqueue(id, record.poll.nextPollAt),
      this.jobs.schedule(QUEUE_NAMES.poll, id, this.deadlines.deadlineOf(record.poll.expiresAt)),
      alongside(view),
    ]);
    this.metrics.sessionsCreated.inc();
    this.logger.log({ sessionId: id, kioskId: record.kioskId }, 'sign-in started');
    return view;
  }

  /** `/device/authorize` once `admit` passes, unless Webex asked this client id to wait (a 429 on any endpoint). */
  private async authorize(admit: () => Promise<void>): Promise<DeviceAuthorization> {
    // Both reads are sent before either is awaited (one write to Redis); the admission's verdict
    // still comes first, so a refused caller hears why even while the provider is paused.
    const paused = this.pauses.pausedForMs();
    paused.catch(() => undefined); // awaited below, unless the admission throws first
    await admit();
    const pausedMs = await paused;
    if (pausedMs > 0) {
      throw new UpstreamError(`Webex asked this service to slow down; try again in ${Math.ceil(pausedMs / 1000)} s`);
    }
    try {
      return await this.provider.authorize();
    } catch (err) {
      if (!(err instanceof ProviderRequestError)) throw err;
      if (err.retryAfterMs !== null) await this.pauses.pause(err.retryAfterMs);
      throw new UpstreamError(err.message, { cause: err });
    }
  }

  async get(id: string): Promise<SessionView> {
    return toView(await this.getRecord(id));
  }

  /** Cancels a pending sign-in or signs an authorized one out; a finished session is left as it is. */
  async end(id: string, which: 'any' | 'pending-only' = 'any'): Promise<SessionView> {
    this.assertId(id);
    const now = this.clock.now();
    // The tokens as they were when this call won the race: revoked below, deleted by the transition.
    const ended: { sealedTokens: string | null } = { sealedTokens: null };
    const result = await this.store.transition(id, (cur) => {
      const from = cur.record.status;
      // 'pending-only': a sign-in replaced by a newer one on its kiosk, never a person signed in meanwhile.
      const status = from === 'pending' ? 'cancelled' : from === 'authorized' && which === 'any' ? 'signed_out' : null;
      if (!status) return null;
      ended.sealedTokens = cur.sealedTokens;
      const record = { ...cur.record, status, updatedAt: now } as SessionRecord;
      return { record, ttlMs: retentionMs(record, now) };
    });
    if (!result) throw new NotFoundError('No such session');
    if (result.changed) {
      if (result.before.status === 'pending') {
        await Promise.all([this.jobs.cancel(QUEUE_NAMES.poll, id), this.deadlines.stopPolling(id)]);
      } else {
        await this.refreshes.cancel(id);
      }
      this.logger.log({ sessionId: id, status: result.after.status }, 'sign-in ended by the kiosk');
      if (ended.sealedTokens) void this.revokeQuietly(id, ended.sealedTokens);
    }
    return toView(result.after);
  }

  /**
   * RFC 7009 at sign-out, where the provider has a revocation endpoint: the refresh token (which
   * ends the whole grant at most providers), else the access token. Best effort and not awaited:
   * our copy of the tokens is already deleted, and sign-out must never wait on the provider.
   */
  private async revokeQuietly(id: string, sealedTokens: string): Promise<void> {
    try {
      const tokens = JSON.parse(this.crypto.decrypt(sealedTokens, `tokens:${id}`)) as TokenSet;
      const outcome = tokens.refreshToken
        ? await this.provider.revoke(tokens.refreshToken, 'refresh_token')
        : await this.provider.revoke(tokens.accessToken, 'access_token');
      if (outcome !== 'unsupported') this.logger.log({ sessionId: id, outcome }, 'token revocation at sign-out');
    } catch (err) {
      this.logger.warn(
        { sessionId: id, err: err instanceof Error ? err.name : 'unknown' },
        'token revocation at sign-out failed',
      );
    }
  }

  async qrSvg(id: string): Promise<string> {
    const record = await this.getRecord(id);
    return QRCode.toString(record.verificationUriComplete, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  }

  private async getRecord(id: string): Promise<SessionRecord> {
    this.assertId(id);
    const stored = await this.store.get(id);
    if (!stored) throw new NotFoundError('No such session');
    return stored.record;
  }

  private assertId(id: string): void {
    if (!sessionIdSchema.safeParse(id).success) throw new NotFoundError('No such session');
  }
}
