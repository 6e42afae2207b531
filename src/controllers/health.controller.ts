import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { REDIS_COMMAND } from '../repositories/tokens';
import { UpstreamService } from '../services/upstream.service';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(REDIS_COMMAND) private readonly redis: Redis,
    private readonly upstream: UpstreamService,
  ) {}

  /** Liveness: answers while the process can serve at all. */
  @Get('healthz')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: Redis must answer, else load balancers should send kiosks elsewhere (503). The
   * provider's status rides along as detail only: a refused client or a 429 pause is for operators
   * to fix or wait out, and sending kiosks to another process would not help.
   */
  @Get('readyz')
  @HealthCheck()
  async ready() {
    const result = await this.health.check([() => this.pingRedis()]);
    return { ...result, provider: await this.upstream.status().catch(() => null) };
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
