import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/openapi/error-codes';
import type { Response } from 'express';
import { MetricsService } from '../services/metrics.service';

@ApiTags('operations')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus text format, summed over every live process (see `MetricsService`). */
  @Get('metrics')
  @ApiOperation({
    summary: 'Prometheus metrics, summed over every live process',
    description: 'Public with METRICS_PUBLIC=true; otherwise the operator credentials or METRICS_TOKEN.',
  })
  @ApiSecurity('operator')
  @ApiSecurity('metrics')
  @ApiResponse({ status: 200, description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiErrors('unauthorized', 'rate_limited')
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.scrape();
    res.type(contentType).send(body);
  }
}
