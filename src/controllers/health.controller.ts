import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { schemaRef } from '../http/openapi/schemas';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { RedisClient } from '../repositories/redis-client';
import { REDIS_COMMAND } from '../repositories/tokens';
import { ProviderStatus } from '../domain/upstream';
import { UpstreamService } from '../services/upstream.service';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(REDIS_COMMAND) private readonly redis: RedisClient,
    private readonly upstream: UpstreamService,
  ) {}

  /** Liveness: answers while the process can serve at all. */
  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: 200 while the process lives' })
  @ApiResponse({
    status: 200,
    description: 'alive',
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: Redis must answer, else load balancers should send kiosks elsewhere (503). The
   * provider's status rides along as detail only: a refused client or a 429 pause is for operators
   * to fix or wait out, and sending kiosks to another process would not help.
   */
  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: 200 when Redis answers (within 1 s), else 503; the provider’s status as detail' })
  @ApiResponse({ status: 200, description: 'ready', schema: schemaRef('Readiness') })
  @ApiResponse({ status: 503, description: 'Redis does not answer', schema: schemaRef('Readiness') })
  @HealthCheck()
  async ready() {
    const result = await this.health.check([() => this.pingRedis()]);
    return { ...result, provider: await this.providerStatus() };
  }

  /** Detail only: a slow or failed read gives `null` rather than delaying or failing readiness. */
  private providerStatus(): Promise<ProviderStatus | null> {
    return Promise.race([
      this.upstream.status(),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 1_000).unref()),
    ]).catch(() => null);
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
