import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG } from './config/app-config.token';
import { AppConfig } from './config/config.schema';
import { loggerOptions } from './config/logger.options';
import { DocsController } from './controllers/docs.controller';
import { EnrollmentController } from './controllers/enrollment.controller';
import { FleetController } from './controllers/fleet.controller';
import { HealthController } from './controllers/health.controller';
import { MetricsController } from './controllers/metrics.controller';
import { ProviderController } from './controllers/provider.controller';
import { SessionController } from './controllers/session.controller';
import { TokenController } from './controllers/token.controller';
import { FleetGateway } from './gateways/fleet.gateway';
import { SessionGateway } from './gateways/session.gateway';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { basicAuth } from './http/basic-auth.middleware';
import { ClientPages } from './http/client-pages';
import { KioskGuard } from './http/kiosk.guard';
import { ApiDocuments, packageVersion } from './http/openapi/api-documents';
import { PollScheduler } from './processors/poll.scheduler';
import { WorkerRunner } from './processors/worker.runner';
import { ClockRepository } from './repositories/clock.repository';
import { ControlRepository } from './repositories/control.repository';
import { CryptoRepository } from './repositories/crypto.repository';
import { IdentityProvider } from './repositories/identity-provider';
import { EVENT_STREAM_MAX_LEN, JobRepository, QUEUE_NAMES } from './repositories/job.repository';
import { KioskRepository } from './repositories/kiosk.repository';
import { LeaseRepository } from './repositories/lease.repository';
import { LockRepository } from './repositories/lock.repository';
import { MetricsExchangeRepository } from './repositories/metrics-exchange.repository';
import { MetricsRepository } from './repositories/metrics.repository';
import { OidcClient } from './repositories/oidc.client';
import { ProviderHttp } from './repositories/provider-http';
import { PushRepository } from './repositories/push.repository';
import { RateLimitRepository } from './repositories/rate-limit.repository';
import { RedisFactory } from './repositories/redis.factory';
import { ReplicationRepository } from './repositories/replication.repository';
import { SessionRepository } from './repositories/session.repository';
import { SocketLeaseRepository } from './repositories/socket-lease.repository';
import { PROVIDER_DESCRIPTION, REDIS_COMMAND, REDIS_FACTORY } from './repositories/tokens';
import { TrendRepository } from './repositories/trend.repository';
import { UpstreamRepository } from './repositories/upstream.repository';
import { WebexClient } from './repositories/webex.client';
import { DeadlineService } from './services/deadline.service';
import { EnrollmentService } from './services/enrollment.service';
import { FleetAuthService } from './services/fleet-auth.service';
import { FleetStatsService } from './services/fleet-stats.service';
import { FleetService } from './services/fleet.service';
import { IntegratorService } from './services/integrator.service';
import { KioskAccessService } from './services/kiosk-access.service';
import { KioskCredentialService } from './services/kiosk-credential.service';
import { KioskSessionService } from './services/kiosk-session.service';
import { LimitsService } from './services/limits.service';
import { MetricsService } from './services/metrics.service';
import { PauseService } from './services/pause.service';
import { PollService } from './services/poll.service';
import { ProfileService } from './services/profile.service';
import { SessionService } from './services/session.service';
import { SessionStore } from './services/session.store';
import { TokenService } from './services/token.service';
import { TrendService } from './services/trend.service';
import { UpstreamService } from './services/upstream.service';
import { WatchedProvider } from './services/watched.provider';

/** Redis key layout: one hash-tagged prefix, so every key of the service lands in one Cluster slot. */
export function keyPrefix(config: AppConfig): string {
  return `{${config.redis.prefix}}`;
}

function repositoryProviders(config: AppConfig, redis: RedisFactory, commands: Redis): Provider[] {
  const prefix = keyPrefix(config);
  return [
    { provide: APP_CONFIG, useValue: config },
    { provide: REDIS_FACTORY, useValue: redis },
    { provide: REDIS_COMMAND, useValue: commands },
    {
      provide: ReplicationRepository,
      inject: [REDIS_COMMAND, MetricsRepository],
      useFactory: (r: Redis, metrics: MetricsRepository) => replication(config, r, metrics),
    },
    {
      provide: SessionRepository,
      inject: [REDIS_COMMAND, ReplicationRepository],
      useFactory: (r: Redis, wait: ReplicationRepository | null) => new SessionRepository(r, prefix, wait),
    },
    {
      provide: MetricsExchangeRepository,
      inject: [REDIS_COMMAND],
      useFactory: (r: Redis) => new MetricsExchangeRepository(r, prefix),
    },
    { provide: UpstreamRepository, inject: [REDIS_COMMAND], useFactory: (r: Redis) => new UpstreamRepository(r, prefix) },
    { provide: TrendRepository, inject: [REDIS_COMMAND], useFactory: (r: Redis) => new TrendRepository(r, prefix) },
    { provide: LockRepository, inject: [REDIS_COMMAND], useFactory: (r: Redis) => new LockRepository(r, prefix) },
    { provide: LeaseRepository, inject: [REDIS_COMMAND], useFactory: (r: Redis) => new LeaseRepository(r, prefix) },
    { provide: ControlRepository, inject: [REDIS_COMMAND], useFactory: (r: Redis) => new ControlRepository(r, prefix) },
    { provide: PushRepository, inject: [REDIS_COMMAND], useFactory: (r: Redis) => new PushRepository(r, `${prefix}:socket.io`) },
    {
      provide: KioskRepository,
      inject: [REDIS_COMMAND, ReplicationRepository],
      useFactory: (r: Redis, wait: ReplicationRepository | null) => new KioskRepository(r, prefix, wait),
    },
    { provide: RateLimitRepository, inject: [REDIS_COMMAND], useFactory: (r: Redis) => new RateLimitRepository(r, prefix) },
    {
      provide: SocketLeaseRepository,
      inject: [REDIS_COMMAND],
      useFactory: (r: Redis) => new SocketLeaseRepository(r, prefix),
    },
    { provide: CryptoRepository, useFactory: () => new CryptoRepository(config.tokenKeys.keys) },
    { provide: ClockRepository, useClass: ClockRepository },
    { provide: MetricsRepository, useClass: MetricsRepository },
    {
      provide: ProviderHttp,
      inject: [MetricsRepository],
      useFactory: (metrics: MetricsRepository) =>
        new ProviderHttp({
          timeoutMs: config.oidc?.timeoutMs ?? config.webex.timeoutMs,
          onRequest: (endpoint, status, seconds) =>
            metrics.upstreamDuration.observe({ endpoint, status: String(status) }, seconds),
        }),
    },
    {
      provide: IdentityProvider,
      inject: [ProviderHttp, UpstreamService],
      // Watched: every answer also tells operators how the provider is doing (issue #13.7).
      useFactory: (http: ProviderHttp, upstream: UpstreamService) =>
        new WatchedProvider(identityProvider(config, http), upstream),
    },
    { provide: PROVIDER_DESCRIPTION, inject: [IdentityProvider], useFactory: (p: IdentityProvider) => p.description },
    {
      provide: JobRepository,
      inject: [getQueueToken(QUEUE_NAMES.poll), getQueueToken(QUEUE_NAMES.refresh)],
      useFactory: (poll: Queue, refresh: Queue) =>
        new JobRepository({ [QUEUE_NAMES.poll]: poll, [QUEUE_NAMES.refresh]: refresh }, prefix),
    },
  ];
}

/**
 * With Sentinel, writes a failover must not undo wait for replicas (`REDIS_WAIT_REPLICAS`, 0: never).
 * One for the process: it shares its `WAIT`s among every write on the command connection.
 */
function replication(config: AppConfig, redis: Redis, metrics: MetricsRepository): ReplicationRepository | null {
  const sentinel = config.redis.sentinel;
  if (!sentinel || sentinel.waitReplicas === 0) return null;
  return new ReplicationRepository(redis, { replicas: sentinel.waitReplicas, timeoutMs: sentinel.waitTimeoutMs }, (outcome, s) =>
    metrics.replicationWait.observe({ outcome }, s),
  );
}

/** The one provider `AUTH_PROVIDER` chose; OIDC endpoints were resolved at start (`resolveProvider`). */
function identityProvider(config: AppConfig, http: ProviderHttp): IdentityProvider {
  const oidc = config.oidc;
  if (config.authProvider === 'webex' || !oidc) return new WebexClient(config.webex, http);
  if (!oidc.endpoints) throw new Error('OIDC endpoints must be resolved before the module is built');
  return new OidcClient({ ...oidc, endpoints: oidc.endpoints }, http);
}

const SERVICES: Type[] = [
  SessionStore,
  PauseService,
  DeadlineService,
  SessionService,
  TokenService,
  ProfileService,
  PollService,
  IntegratorService,
  MetricsService,
  LimitsService,
  UpstreamService,
  TrendService,
];
const API_SERVICES: Type[] = [
  SessionGateway,
  FleetGateway,
  FleetService,
  FleetStatsService,
  FleetAuthService,
  KioskCredentialService,
  KioskAccessService,
  KioskSessionService,
  EnrollmentService,
  KioskGuard,
];

/** bull-board over both queues at `/admin/queues`; read-only unless DASHBOARD_ALLOW_ACTIONS is set. */
function queueDashboard(config: AppConfig): DynamicModule[] {
  const options = { readOnlyMode: !config.dashboard.allowActions };
  return [
    BullBoardModule.forRoot({
      route: '/admin/queues',
      adapter: ExpressAdapter,
      middleware: basicAuth(config.dashboard.user, config.dashboard.password),
      boardOptions: { uiConfig: { boardTitle: 'Kiosk Sign-in' } },
    }),
    BullBoardModule.forFeature(
      { name: QUEUE_NAMES.poll, adapter: BullMQAdapter, options },
      { name: QUEUE_NAMES.refresh, adapter: BullMQAdapter, options },
    ),
  ];
}

@Module({})
export class AppModule {
  /** Everything the process runs, chosen by `ROLE`: API (HTTP + Socket.IO), worker, or both. */
  static register(config: AppConfig, redis: RedisFactory): DynamicModule {
    // One auto-pipelined connection for our commands and BullMQ's queue calls: the commands a step
    // issues together (a session write and its job's add or removal) leave in one socket write.
    const commands = redis.command('commands');
    const api = config.role !== 'worker';
    const worker = config.role !== 'api';
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggerOptions(config)),
        BullModule.forRoot({
          connection: commands,
          prefix: keyPrefix(config),
          streams: { events: { maxLen: EVENT_STREAM_MAX_LEN } },
        }),
        BullModule.registerQueue({ name: QUEUE_NAMES.poll }, { name: QUEUE_NAMES.refresh }),
        ...(api ? [TerminusModule, ...queueDashboard(config)] : []),
      ],
      controllers: api
        ? [
            SessionController,
            TokenController,
            HealthController,
            MetricsController,
            FleetController,
            ProviderController,
            EnrollmentController,
            DocsController,
          ]
        : [],
      providers: [
        ...repositoryProviders(config, redis, commands),
        ...SERVICES,
        ...(api
          ? [
              ...API_SERVICES,
              { provide: ClientPages, useValue: new ClientPages() },
              { provide: ApiDocuments, useValue: new ApiDocuments(packageVersion()) },
              { provide: APP_FILTER, useClass: ApiExceptionFilter },
            ]
          : []),
        ...(worker ? [WorkerRunner, PollScheduler] : []),
      ],
      exports: [REDIS_FACTORY, REDIS_COMMAND],
    };
  }
}
