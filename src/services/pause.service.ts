import { Injectable } from '@nestjs/common';
import { ClockRepository } from '../repositories/clock.repository';
import { ControlRepository } from '../repositories/control.repository';
import { JobRepository } from '../repositories/job.repository';

/**
 * Webex rate limits are per client id: a 429 from any endpoint means no call at all with this
 * client id for Retry-After (RFC 9110 §10.2.3). One pause stops the pollers on every worker (told
 * through Redis pub/sub), the deadline queue (BullMQ's rate limit, shared by every worker), token
 * refreshes (`TokenService.refreshStep` asks) and new sign-ins.
 */
@Injectable()
export class PauseService {
  constructor(
    private readonly control: ControlRepository,
    private readonly jobs: JobRepository,
    private readonly clock: ClockRepository,
  ) {}

  async pause(ms: number): Promise<void> {
    const now = this.clock.now();
    await Promise.all([this.control.pause(now + ms, now), this.jobs.pauseAll(ms)]);
  }

  /** How long the current pause still runs, 0 when there is none. */
  async pausedForMs(): Promise<number> {
    return Math.max(0, (await this.control.pausedUntil()) - this.clock.now());
  }
}
