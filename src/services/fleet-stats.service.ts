import { Injectable } from '@nestjs/common';
import { FleetStats } from '../domain/events';
import { TrendService } from './trend.service';
import { UpstreamService } from './upstream.service';

/** How often each API process pushes the charts' data to the fleet views connected to it. */
export const FLEET_STATS_EVERY_MS = 5_000;

/** What the fleet view draws beside the sessions: the last hour's trends and the provider's status. */
@Injectable()
export class FleetStatsService {
  constructor(
    private readonly trends: TrendService,
    private readonly upstream: UpstreamService,
  ) {}

  async stats(): Promise<FleetStats> {
    const [trends, upstream] = await Promise.all([this.trends.read(), this.upstream.report()]);
    return { generatedAt: new Date().toISOString(), trends, upstream };
  }
}
