import { Injectable, Logger } from '@nestjs/common';
import { retentionMs } from '../domain/session';
import { StepOutcome } from '../domain/step';
import { ClockRepository } from '../repositories/clock.repository';
import { ControlRepository } from '../repositories/control.repository';
import { LeaseRepository } from '../repositories/lease.repository';
import { SessionStore } from './session.store';

/** Once a code is this far past its expiry and still pending, no poller is going to end it. */
export const DEADLINE_GRACE_MS = 60_000;
const RETRY_MS = 10_000;

/**
 * The `device-poll` job of a sign-in waits until its code's deadline and is removed when the
 * sign-in ends. If it runs, the sign-in outlived its code: every poller was gone at expiry (or lost
 * it), so it is ended here as `expired`, pushed, and taken off the pollers' books.
 */
@Injectable()
export class DeadlineService {
  private readonly logger = new Logger(DeadlineService.name);

  constructor(
    private readonly store: SessionStore,
    private readonly leases: LeaseRepository,
    private readonly control: ControlRepository,
    private readonly clock: ClockRepository,
  ) {}

  deadlineOf(expiresAt: number): number {
    return expiresAt + DEADLINE_GRACE_MS;
  }

  /** The job's step; it retries by itself (its job has no retries, to stay small in Redis). */
  async step(id: string): Promise<StepOutcome> {
    try {
      return await this.expireIfDue(id);
    } catch (err) {
      this.logger.warn({ sessionId: id, err: String(err) }, 'deadline check failed; retrying');
      return { kind: 'later', at: this.clock.now() + RETRY_MS };
    }
  }

  private async expireIfDue(id: string): Promise<StepOutcome> {
    const stored = await this.store.get(id);
    if (!stored || stored.record.status !== 'pending') return { kind: 'done' };
    const now = this.clock.now();
    const deadline = this.deadlineOf(stored.record.poll.expiresAt);
    // The token is in and the profile on its way: that step has a deadline of its own.
    if (stored.record.stage === 'profile') return { kind: 'later', at: now + DEADLINE_GRACE_MS };
    if (now < deadline) return { kind: 'later', at: deadline };
    const result = await this.store.transition(id, (cur) => {
      if (cur.record.status !== 'pending' || cur.record.stage !== 'polling') return null;
      const error = { code: 'expired_token', message: 'The code expired before anyone approved it.' };
      const record = { ...cur.record, status: 'expired' as const, error, updatedAt: now };
      return { record, ttlMs: retentionMs(record, now) };
    });
    if (result?.changed) {
      this.logger.warn({ sessionId: id }, 'sign-in ended by its deadline: no poller ended it in time');
      await this.stopPolling(id);
    }
    return { kind: 'done' };
  }

  /**
   * Takes a sign-in ended elsewhere (a cancel, a deadline, a failure) off every poller's books, and
   * tells the one holding it to drop it now rather than at its next write.
   */
  async stopPolling(id: string): Promise<void> {
    await Promise.all([this.leases.drop(id), this.control.cancel(id)]);
  }
}
