import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PROM_CLIENT_UNREAD_SAMPLE_MS, replaceEventLoopDelayGauges } from './event-loop-delay';
import { replaceOpenFdsGauge } from './open-fds';
import { replaceActiveResourceGauges } from './active-resources';
import { POLL_LATENESS_BUCKETS, TIME_TO_APPROVE_BUCKETS } from '../domain/trends';

/** Prometheus instruments of one process. Names follow Prometheus conventions (`_total`, `_seconds`). */
export class MetricsRepository {
  readonly registry = new Registry();

  readonly sessionsCreated = new Counter({
    name: 'kiosk_sessions_created_total',
    help: 'Device authorizations started',
    registers: [this.registry],
  });

  readonly sessionsEnded = new Counter({
    name: 'kiosk_sessions_ended_total',
    help: 'Sessions that reached a final or authorized state, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly polls = new Counter({
    name: 'kiosk_polls_total',
    help: 'Token endpoint polls by answer',
    labelNames: ['answer'] as const,
    registers: [this.registry],
  });

  readonly pollLateness = new Histogram({
    name: 'kiosk_poll_lateness_seconds',
    help: 'Actual poll start minus the earliest time the poll was allowed',
    buckets: POLL_LATENESS_BUCKETS,
    registers: [this.registry],
  });

  readonly pushLatency = new Histogram({
    name: 'kiosk_push_latency_seconds',
    help: 'Token received from Webex until the authorized push was sent',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** Code shown to token granted: how long people take to approve (the fleet view charts it). */
  readonly timeToApprove = new Histogram({
    name: 'kiosk_time_to_approve_seconds',
    help: 'Sign-in started until the person approved it (token granted)',
    buckets: TIME_TO_APPROVE_BUCKETS,
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: 'kiosk_upstream_request_duration_seconds',
    help: 'Duration of requests to Webex by endpoint and HTTP status',
    labelNames: ['endpoint', 'status'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly refreshes = new Counter({
    name: 'kiosk_token_refreshes_total',
    help: 'Access token refreshes by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly socketConnections = new Gauge({
    name: 'kiosk_socket_connections',
    help: 'Socket.IO connections open on this process',
    labelNames: ['namespace'] as const,
    registers: [this.registry],
  });

  readonly signInsHeld = new Gauge({
    name: 'kiosk_sign_ins_held',
    help: 'Sign-ins this process is polling (held on its timers, under a lease), by shard',
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });

  readonly signInsUnclaimed = new Gauge({
    name: 'kiosk_sign_ins_unclaimed',
    help: 'Sign-ins whose first poll is more than 5 s overdue and that no poller has taken, by shard (sampled when scraped)',
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });

  readonly replicationWait = new Histogram({
    name: 'kiosk_redis_replication_wait_seconds',
    help: 'WAIT for Redis replicas after a write a failover must not undo (Sentinel only), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly refreshesScheduled = new Gauge({
    name: 'kiosk_token_refreshes_scheduled',
    help: 'Signed-in sessions with a token refresh scheduled, by shard (sampled when scraped)',
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });

  readonly refreshesOverdue = new Gauge({
    name: 'kiosk_token_refreshes_overdue',
    help: 'Token refreshes more than 60 s past due that no worker has taken, by shard (sampled when scraped)',
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'kiosk_queue_jobs',
    help: 'Jobs per queue, shard and state (sampled when scraped)',
    labelNames: ['queue', 'shard', 'state'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({
      register: this.registry,
      prefix: 'kiosk_',
      eventLoopMonitoringPrecision: PROM_CLIENT_UNREAD_SAMPLE_MS,
    });
    replaceEventLoopDelayGauges(this.registry, 'kiosk_');
    replaceOpenFdsGauge(this.registry, 'kiosk_');
    replaceActiveResourceGauges(this.registry, 'kiosk_');
  }
}
