import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { RedisClient } from './repositories/redis-client';
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
import { RefreshScheduler } from './processors/refresh.scheduler';
import { WorkerRunner } from './processors/worker.runner';
import { ClockRepository } from './repositories/clock.repository';
import { Shards } from './domain/shards';
import { ControlRepository } from './repositories/control.repository';
import { CryptoRepository } from './repositories/crypto.repository';
import { IdentityProvider } from './repositories/identity-provider';
import { JobRepository } from './repositories/job.repository';
import { KioskRepository } from './repositories/kiosk.repository';
import { LeaseRepository } from './repositories/lease.repository';
import { RefreshScheduleRepository } from './repositories/refresh-schedule.repository';
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

/**
 * Redis key layout: the keys that are not per sign-in (kiosks, limits, control, metrics) under one
 * hash-tagged prefix, so they share one Cluster slot; sessions and their leases and queues under
 * their shard's tag (`Shards`), which is the same prefix when there is one shard.
 */
export function keyPrefix(config: AppConfig): string {
  return `{${config.redis.prefix}}`;
}

/**
 * Socket.IO's Redis channels. On a Cluster they carry no hash tag: sharded pub/sub spreads the
 * channels (one per room) over the primaries by their own slots.
 */
export function socketChannel(config: AppConfig): string {
  return config.redis.cluster ? `${config.redis.prefix}:socket.io` : `${keyPrefix(config)}:socket.io`;
}

export function shardsOf(config: AppConfig): Shards {
  return new Shards(config.redis.prefix, config.redis.shards);
}

function repositoryProviders(config: AppConfig, redis: RedisFactory, commands: RedisClient, jobs: JobRepository): Provider[] {
  const prefix = keyPrefix(config);
  const shards = jobs.shards;
  return [
    { provide: APP_CONFIG, useValue: config },
    { provide: Shards, useValue: shards },
    { provide: REDIS_FACTORY, useValue: redis },
    { provide: REDIS_COMMAND, useValue: commands },
    {
      provide: ReplicationRepository,
      inject: [REDIS_COMMAND, MetricsRepository],
      useFactory: (r: RedisClient, metrics: MetricsRepository) => replication(config, r, metrics),
    },
    {
      provide: SessionRepository,
      inject: [REDIS_COMMAND, ReplicationRepository],
      useFactory: (r: RedisClient, wait: ReplicationRepository | null) => new SessionRepository(r, shards, wait),
    },
    {
      provide: MetricsExchangeRepository,
      inject: [REDIS_COMMAND],
      useFactory: (r: RedisClient) => new MetricsExchangeRepository(r, prefix),
    },
    { provide: UpstreamRepository, inject: [REDIS_COMMAND], useFactory: (r: RedisClient) => new UpstreamRepository(r, prefix) },
    { provide: TrendRepository, inject: [REDIS_COMMAND], useFactory: (r: RedisClient) => new TrendRepository(r, prefix) },
    { provide: LockRepository, inject: [REDIS_COMMAND], useFactory: (r: RedisClient) => new LockRepository(r, prefix) },
    { provide: LeaseRepository, inject: [REDIS_COMMAND], useFactory: (r: RedisClient) => new LeaseRepository(r, shards) },
    {
      provide: RefreshScheduleRepository,
      inject: [REDIS_COMMAND],
      useFactory: (r: RedisClient) => new RefreshScheduleRepository(r, shards),
    },
    { provide: ControlRepository, inject: [REDIS_COMMAND], useFactory: (r: RedisClient) => new ControlRepository(r, prefix) },
    {
      provide: PushRepository,
      inject: [REDIS_COMMAND],
      useFactory: (r: RedisClient) =>
        config.redis.cluster
          ? new PushRepository({ channelPrefix: socketChannel(config), pub: r, sub: redis.shardedSubscriber('push-sub') })
          : new PushRepository(r, socketChannel(config)),
    },
    {
      provide: KioskRepository,
      inject: [REDIS_COMMAND, ReplicationRepository],
      useFactory: (r: RedisClient, wait: ReplicationRepository | null) => new KioskRepository(r, prefix, wait),
    },
    { provide: RateLimitRepository, inject: [REDIS_COMMAND], useFactory: (r: RedisClient) => new RateLimitRepository(r, prefix) },
    {
      provide: SocketLeaseRepository,
      inject: [REDIS_COMMAND],
      useFactory: (r: RedisClient) => new SocketLeaseRepository(r, prefix),
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
    // Built with the module: the dashboard needs its queues before Nest has made any provider.
    { provide: JobRepository, useValue: jobs },
  ];
}

/**
 * With Sentinel, writes a failover must not undo wait for replicas (`REDIS_WAIT_REPLICAS`, 0: never).
 * One for the process: it shares its `WAIT`s among every write on the command connection.
 */
function replication(config: AppConfig, redis: RedisClient, metrics: MetricsRepository): ReplicationRepository | null {
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

/**
 * bull-board over every queue at `/admin/queues`; read-only unless DASHBOARD_ALLOW_ACTIONS is set.
 * With several shards each queue is listed once per shard (`shard 3 · device-poll`).
 */
function queueDashboard(config: AppConfig, jobs: JobRepository): DynamicModule[] {
  const sharded = jobs.shards.count > 1;
  return [
    BullBoardModule.forRoot({
      route: '/admin/queues',
      adapter: ExpressAdapter,
      middleware: basicAuth(config.dashboard.user, config.dashboard.password),
      boardOptions: { uiConfig: { boardTitle: 'Kiosk Sign-in' } },
    }),
    BullBoardModule.forFeature(
      ...jobs.queues.map(({ shard, queue }) => ({
        name: queue.name,
        queue,
        adapter: BullMQAdapter,
        options: { readOnlyMode: !config.dashboard.allowActions, ...(sharded ? { prefix: `shard ${shard} · ` } : {}) },
      })),
    ),
  ];
}

@Module({})
export class AppModule {
  /** Everything the process runs, chosen by `ROLE`: API (HTTP + Socket.IO), worker, or both. */
  static register(config: AppConfig, redis: RedisFactory): DynamicModule {
    // BullMQ's queue calls get a connection of their own, without auto-pipelining. BullMQ defines
    // its ~50 scripts on the connection it is given, and ioredis copies every script of a connection
    // onto each pipeline it makes, auto-pipelined flushes included: sharing one connection made
    // every flush of ours (one per poll's lease renewal) pay for BullMQ's scripts, and auto-pipelining
    // on its own connection made each of BullMQ's calls (a few per sign-in, seldom two in one tick)
    // pay for them instead. Counting pending sign-ins is one plain `ZCARD`: it goes on the commands
    // connection, in the same write as the rest of a sign-in's admission.
    const commands = redis.command('commands');
    const jobs = new JobRepository(redis.command('queues', { autoPipelining: false }), shardsOf(config), commands);
    const api = config.role !== 'worker';
    const worker = config.role !== 'api';
    return {
      module: AppModule,
      imports: [LoggerModule.forRoot(loggerOptions(config)), ...(api ? [TerminusModule, ...queueDashboard(config, jobs)] : [])],
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
        ...repositoryProviders(config, redis, commands, jobs),
        ...SERVICES,
        ...(api
          ? [
              ...API_SERVICES,
              { provide: ClientPages, useValue: new ClientPages() },
              { provide: ApiDocuments, useValue: new ApiDocuments(packageVersion()) },
              { provide: APP_FILTER, useClass: ApiExceptionFilter },
            ]
          : []),
        ...(worker ? [WorkerRunner, PollScheduler, RefreshScheduler] : []),
      ],
      exports: [REDIS_FACTORY, REDIS_COMMAND],
    };
  }
}
