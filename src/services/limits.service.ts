import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig, LimitsConfig } from '../config/config.schema';
import { RateLimitedError } from '../domain/errors';
import { addressMatcher } from '../http/client-address';
import { JobRepository } from '../repositories/job.repository';
import { KioskRepository } from '../repositories/kiosk.repository';
import { RateLimitRepository, RedisWindow } from '../repositories/rate-limit.repository';
import { SocketLeaseRepository } from '../repositories/socket-lease.repository';

/** Who failed to authenticate: each has its own budget per client address. */
export type AuthKind = 'operator' | 'integrator' | 'metrics' | 'fleet-ticket' | 'enrollment';

const MINUTE_S = 60;
const MINUTE_MS = MINUTE_S * 1000;
const AUTH_WINDOW_S = 15 * 60;
/** A refused sign-in start because the fleet is at its ceiling: pending ones end within minutes. */
const CEILING_RETRY_MS = 10_000;
const AUTH_DELAY_STEP_MS = 100;
const AUTH_DELAY_CAP_MS = 2_000;

/**
 * The abuse limits (issue #12), all held in Redis so every API process enforces one budget.
 * Per-address volume limits skip `LIMIT_EXEMPT_ADDRESSES` (a load-test client); authentication
 * failures and the fleet ceiling have no exemption.
 */
@Injectable()
export class LimitsService {
  private readonly logger = new Logger(LimitsService.name);
  private readonly perAddress: RedisWindow;
  private readonly authFailures: RedisWindow;
  private readonly exempt: (address: string) => boolean;
  private readonly limits: LimitsConfig;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    windows: RateLimitRepository,
    private readonly leases: SocketLeaseRepository,
    private readonly jobs: JobRepository,
    private readonly kiosks: KioskRepository,
  ) {
    this.limits = config.security.limits;
    this.perAddress = windows.window('sessions-address', this.limits.sessionsPerAddressPerMinute, MINUTE_S);
    this.authFailures = windows.window('auth-failures', this.limits.authFailures, AUTH_WINDOW_S, AUTH_WINDOW_S);
    this.exempt = addressMatcher(this.limits.exemptAddresses);
  }

  get watchesPerSocket(): number {
    return this.limits.watchesPerSocket;
  }

  /**
   * Before a sign-in starts: the caller's address and kiosk budgets, then the fleet-wide ceiling
   * that keeps the service under the integration's Webex rate limit. `slot`: the kiosk's
   * (`pendingSlot`), whose budget is kept with its pending sign-in; null: unnamed. Admitted, the new
   * sign-in (`sessionId`) holds the kiosk's slot; the answer names the pending one it replaced, for
   * the caller to cancel once the new one has started (or to give the slot back to if it fails).
   */
  async admitSignIn(address: string, slot: string | null, sessionId: string): Promise<{ replaced: string | null }> {
    // One round trip to Redis for the three: a sign-in's start is on every kiosk's critical path.
    const answers = await Promise.allSettled([
      this.exempt(address) ? null : this.perAddress.consume(address),
      slot === null ? null : this.kiosks.claimSlot(slot, sessionId, this.limits.sessionsPerKioskPerMinute, MINUTE_MS),
      this.jobs.pendingSignIns(),
    ]);
    const [addressAnswer, kioskAnswer, pendingAnswer] = answers;
    const byKiosk = kioskAnswer.status === 'fulfilled' ? kioskAnswer.value : null;
    const failed = answers.find((a) => a.status === 'rejected');
    if (failed) {
      // Redis failed one of the reads (503): a slot claimed meanwhile goes back, as on a refusal.
      if (slot !== null && byKiosk?.claimed) await this.giveBackSlot(slot, sessionId, byKiosk.replaced);
      throw failed.reason;
    }
    const byAddress = addressAnswer.status === 'fulfilled' ? addressAnswer.value : null;
    const pending = pendingAnswer.status === 'fulfilled' ? pendingAnswer.value : 0;
    const refusal =
      byAddress && !byAddress.allowed
        ? new RateLimitedError('Too many sign-ins from this address; try again shortly', byAddress.retryAfterMs)
        : byKiosk && !byKiosk.claimed
          ? new RateLimitedError('Too many sign-ins on this kiosk; try again shortly', byKiosk.windowLeftMs)
          : pending >= this.limits.pendingSignIns
            ? new RateLimitedError('Too many sign-ins are in progress across the fleet; try again shortly', CEILING_RETRY_MS)
            : null;
    if (refusal) {
      if (slot !== null && byKiosk?.claimed) await this.giveBackSlot(slot, sessionId, byKiosk.replaced);
      throw refusal;
    }
    return { replaced: byKiosk?.replaced ?? null };
  }

  /**
   * A claim whose sign-in will not start (refused here, or failed at the provider): the kiosk's slot
   * goes back to the sign-in it replaced. Never throws: the caller answers with why the start failed.
   */
  async giveBackSlot(slot: string, sessionId: string, replaced: string | null): Promise<void> {
    // A slot left naming a sign-in that never started is replaced by the kiosk's next start.
    await this.kiosks.releaseSlot(slot, sessionId, replaced).catch((err: unknown) => {
      this.logger.warn({ sessionId, err: String(err) }, "could not give a kiosk's slot back; its next sign-in replaces it");
    });
  }

  /** Refuses an address that failed too often, before its credentials are even looked at. */
  async assertAuthAllowed(kind: AuthKind, address: string): Promise<void> {
    const verdict = await this.authFailures.peek(`${kind}:${address}`);
    if (!verdict.allowed) throw tooManyFailures(verdict.retryAfterMs);
  }

  /**
   * Counts a failed authentication. Resolves after a delay that grows with every failure (so
   * guessing gets slower), or throws `rate_limited` once the address used up its budget.
   */
  async authFailed(kind: AuthKind, address: string): Promise<void> {
    const verdict = await this.authFailures.consume(`${kind}:${address}`);
    if (!verdict.allowed) throw tooManyFailures(verdict.retryAfterMs);
    await new Promise((resolve) => setTimeout(resolve, failureDelayMs(verdict.used)));
  }

  /** A Socket.IO connection from `address` may open unless the address holds its cap. */
  async socketOpened(address: string, socketId: string): Promise<boolean> {
    if (this.exempt(address)) return true;
    return this.leases.acquire(address, socketId, this.limits.socketsPerAddress);
  }

  async socketClosed(address: string, socketId: string): Promise<void> {
    await this.leases.release(address, socketId);
  }
}

/** The answer to the n-th failed authentication in a window comes n × 100 ms late (at most 2 s). */
export function failureDelayMs(failures: number): number {
  return Math.min(Math.max(failures, 0) * AUTH_DELAY_STEP_MS, AUTH_DELAY_CAP_MS);
}

function tooManyFailures(retryAfterMs: number): RateLimitedError {
  return new RateLimitedError('Too many failed authentications from this address; try again later', retryAfterMs);
}
