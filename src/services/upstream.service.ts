import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { SessionProvider } from '../domain/session';
import {
  PROBLEM_KINDS,
  problemMessage,
  problemOf,
  ProviderProblem,
  ProviderStatus,
  safeMessage,
  UpstreamFailure,
  UpstreamFailureInput,
  UpstreamReport,
} from '../domain/upstream';
import { ClockRepository } from '../repositories/clock.repository';
import { ControlRepository } from '../repositories/control.repository';
import { PushRepository } from '../repositories/push.repository';
import { UpstreamRepository } from '../repositories/upstream.repository';

/** Identical failures within this window are written once, with a count (an outage is not a flood). */
export const FAILURE_THROTTLE_MS = 5_000;
/** A process marks "the provider answered normally" at most this often. */
export const OK_THROTTLE_MS = 5_000;
/** How many failures the fleet view shows. */
export const FAILURES_SHOWN = 10;

interface Slot {
  writtenAt: number;
  pending: UpstreamFailure | null;
  timer: NodeJS.Timeout | null;
}

/**
 * Why sign-ins fail upstream, for operators (issue #13.7). Every process reports what it saw of
 * the identity provider here (see `WatchedProvider`); failures and lasting problems go to Redis
 * (`UpstreamRepository`) and the fleet view hears of them at once. Writes are throttled per kind
 * of failure, so a fleet-wide outage costs a few writes every few seconds, not one per poll.
 */
@Injectable()
export class UpstreamService implements OnApplicationShutdown {
  private readonly logger = new Logger(UpstreamService.name);
  private readonly provider: SessionProvider;
  private readonly secrets: string[];
  private readonly slots = new Map<string, Slot>();
  private lastOkAt = 0;
  private okPendingAt: number | null = null;
  private okTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly repo: UpstreamRepository,
    private readonly control: ControlRepository,
    private readonly push: PushRepository,
    private readonly clock: ClockRepository,
  ) {
    this.provider =
      config.authProvider === 'oidc' && config.oidc ? { kind: 'oidc', name: config.oidc.name } : { kind: 'webex', name: 'Webex' };
    this.secrets = [config.webex.clientSecret, config.oidc?.clientSecret ?? ''].filter((s) => s.length > 0);
  }

  /** A failed call. Never throws and never waits: the caller is on a sign-in's path. */
  failed(input: UpstreamFailureInput): void {
    const now = this.clock.now();
    const failure = this.toFailure(input, now);
    const key = `${input.call}|${input.cause}|${input.code ?? ''}`;
    const slot = this.slots.get(key);
    if (slot && now - slot.writtenAt < FAILURE_THROTTLE_MS) {
      slot.pending = slot.pending ? { ...failure, firstAt: slot.pending.firstAt, count: slot.pending.count + 1 } : failure;
      slot.timer ??= setTimeout(() => this.flush(key), slot.writtenAt + FAILURE_THROTTLE_MS - now).unref();
      return;
    }
    this.forgetOldSlots(now);
    this.slots.set(key, { writtenAt: now, pending: null, timer: null });
    void this.write(failure, now);
  }

  /**
   * The provider answered normally: lasting problems seen before now are over. Written at most
   * every `OK_THROTTLE_MS`, and the last answer of a burst always is (a trailing write), so a
   * problem never outlives its fix by more than that.
   */
  answered(): void {
    const now = this.clock.now();
    this.okPendingAt = now;
    if (this.okTimer) return;
    const wait = this.lastOkAt + OK_THROTTLE_MS - now;
    if (wait <= 0) return this.writeOk();
    this.okTimer = setTimeout(() => {
      this.okTimer = null;
      this.writeOk();
    }, wait).unref();
  }

  private writeOk(): void {
    const at = this.okPendingAt;
    this.okPendingAt = null;
    if (at === null) return;
    this.lastOkAt = this.clock.now();
    this.repo.markOk(at).catch((err: unknown) => this.logger.warn({ err: String(err) }, 'could not record a provider answer'));
  }

  async status(): Promise<ProviderStatus> {
    const now = this.clock.now();
    const [marks, pausedUntil] = await Promise.all([this.repo.currentProblems(), this.control.pausedUntil()]);
    const problems: ProviderProblem[] = [];
    for (const mark of marks) {
      if (mark.kind === 'rate_limited') continue;
      problems.push({
        kind: mark.kind,
        since: iso(mark.since),
        lastSeenAt: iso(mark.lastSeenAt),
        until: null,
        message: problemMessage(mark.kind, this.provider, mark.message),
      });
    }
    // The pause key is the truth about 429s: it holds the latest Retry-After of any process.
    if (pausedUntil > now) {
      const mark = marks.find((m) => m.kind === 'rate_limited');
      problems.push({
        kind: 'rate_limited',
        since: iso(mark?.since ?? now),
        lastSeenAt: iso(mark?.lastSeenAt ?? now),
        until: iso(pausedUntil),
        message: problemMessage('rate_limited', this.provider, ''),
      });
    }
    problems.sort((a, b) => PROBLEM_KINDS.indexOf(a.kind) - PROBLEM_KINDS.indexOf(b.kind));
    return { provider: this.provider.name, state: problems[0]?.kind ?? 'ok', problems, checkedAt: iso(now) };
  }

  async recentFailures(limit = FAILURES_SHOWN): Promise<UpstreamFailure[]> {
    return (await this.repo.recentFailures(limit)).map((raw) => JSON.parse(raw) as UpstreamFailure);
  }

  async report(): Promise<UpstreamReport> {
    const [status, failures] = await Promise.all([this.status(), this.recentFailures()]);
    return { status, failures };
  }

  onApplicationShutdown(): Promise<void> {
    if (this.okTimer) clearTimeout(this.okTimer);
    this.writeOk();
    const keys = [...this.slots.keys()];
    return Promise.all(keys.map((key) => this.flush(key))).then(() => undefined);
  }

  private async flush(key: string): Promise<void> {
    const slot = this.slots.get(key);
    if (!slot) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const pending = slot.pending;
    if (!pending) return;
    slot.pending = null;
    slot.writtenAt = this.clock.now();
    await this.write(pending, Date.parse(pending.at));
  }

  private async write(failure: UpstreamFailure, at: number): Promise<void> {
    try {
      const problem = problemOf(failure.cause);
      await Promise.all([
        this.repo.addFailure(JSON.stringify(failure)),
        problem ? this.repo.markProblem(problem, at, failure.code ?? failure.message) : null,
      ]);
      this.logger.warn(
        { call: failure.call, cause: failure.cause, status: failure.status, code: failure.code, count: failure.count },
        `identity provider call failed: ${failure.message}`,
      );
      this.push.upstreamChanged(await this.report());
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'could not record an identity provider failure');
    }
  }

  private toFailure(input: UpstreamFailureInput, now: number): UpstreamFailure {
    return {
      provider: this.provider.name,
      call: input.call,
      cause: input.cause,
      status: input.status,
      code: input.code === null ? null : safeMessage(input.code, this.secrets).slice(0, 64),
      message: safeMessage(input.message, this.secrets),
      until: input.until === null ? null : iso(input.until),
      firstAt: iso(now),
      at: iso(now),
      count: 1,
    };
  }

  /** Slots of failures not seen for a while go; the map stays as small as the kinds of trouble at hand. */
  private forgetOldSlots(now: number): void {
    if (this.slots.size < 64) return;
    for (const [key, slot] of this.slots) {
      if (!slot.pending && now - slot.writtenAt >= FAILURE_THROTTLE_MS) this.slots.delete(key);
    }
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
