import { Injectable } from '@nestjs/common';
import { JobRepository, QUEUE_NAMES } from '../repositories/job.repository';
import { MetricsRepository } from '../repositories/metrics.repository';

@Injectable()
export class MetricsService {
  constructor(
    private readonly metrics: MetricsRepository,
    private readonly jobs: JobRepository,
  ) {}

  async scrape(): Promise<string> {
    for (const queue of Object.values(QUEUE_NAMES)) {
      const counts = await this.jobs.counts(queue);
      for (const [state, n] of Object.entries(counts)) this.metrics.queueJobs.set({ queue, state }, n);
    }
    return this.metrics.registry.metrics();
  }
}
