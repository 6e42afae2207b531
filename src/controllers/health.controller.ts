import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { REDIS_COMMAND } from '../repositories/tokens';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(REDIS_COMMAND) private readonly redis: Redis,
  ) {}

  /** Liveness: answers while the process can serve at all. */
  @Get('healthz')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: Redis must answer, else load balancers should send kiosks elsewhere (503). */
  @Get('readyz')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.pingRedis()]);
  }

  private async pingRedis() {
    const check = this.indicator.check('redis');
    try {
      await Promise.race([
        this.redis.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1_000).unref()),
      ]);
      return check.up();
    } catch {
      return check.down({ message: 'Redis does not answer' });
    }
  }
}
