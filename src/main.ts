import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { RedisClient } from './repositories/redis-client';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { requestLogger } from './config/logger.options';
import { AppModule, socketChannel } from './app.module';
import { ConfigError, loadConfig, readEnvironment } from './config/config.loader';
import { AppConfig } from './config/config.schema';
import { resolveProvider } from './config/provider.resolver';
import { DemoRedis, startDemoRedis } from './demo/redis-server';
import { RedisIoAdapter } from './gateways/redis-io.adapter';
import { SessionGateway } from './gateways/session.gateway';
import { CLIENT_DIR } from './http/client-pages';
import { staticAssets } from './http/static-assets';
import { publishApiDocuments } from './http/openapi/api-documents';
import { applyHttpSecurity } from './http/security.setup';
import { RedisFactory } from './repositories/redis.factory';
import { whenReady } from './repositories/redis-ready';
import { redisTarget } from './repositories/redis-target';
import { REDIS_COMMAND } from './repositories/tokens';
import { createWebexSimulator } from './simulator/webex-simulator';
import { applyHeapPolicy } from './startup/heap-policy';
import { LifecycleLogger } from './startup/lifecycle.logger';

async function main(): Promise<void> {
  const heapGrowingPercent = applyHeapPolicy();
  const config = await readConfigOrExit();
  let demoRedis: DemoRedis | null = null;
  if (!config.redis.url && !config.redis.sentinel && !config.redis.cluster) demoRedis = await startDemoRedis();
  const redis = new RedisFactory(redisTarget(config.redis, demoRedis?.url ?? null));
  const module = AppModule.register(config, redis);

  const app: INestApplicationContext =
    config.role === 'worker' ? await startWorker(module) : await startHttp(config, module, redis);
  const lifecycle = await LifecycleLogger.fromApp(app, config);
  lifecycle.started(demoRedis?.url ?? null, heapGrowingPercent);
  onShutdown(config, lifecycle, app, redis, demoRedis);
}

async function startWorker(module: DynamicModule): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  return app;
}

/** How long a start waits for Redis before it goes on anyway (`/readyz` then says 503). */
const REDIS_READY_WAIT_MS = 10_000;

async function startHttp(config: AppConfig, module: DynamicModule, redis: RedisFactory): Promise<INestApplicationContext> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  // No ETags: Express hashes every answer's body for one, and none of these is cached (`/api` is
  // no-store, the rest probes and metrics). Static files and bull-board's own app keep theirs.
  app.set('etag', false);
  const requestLog = requestLogger(config);
  if (requestLog) app.use(requestLog);
  applyHttpSecurity(app, config);
  publishApiDocuments(app);
  if (config.webex.simulated) {
    const sim = createWebexSimulator({ publicBaseUrl: `${config.http.publicUrl}/sim` });
    app.use('/sim', sim.app);
  }
  if (existsSync(CLIENT_DIR)) app.use(staticAssets(CLIENT_DIR));
  const sharded = config.redis.cluster !== null;
  const [pub, sub] = [
    redis.command('socket.io-pub'),
    sharded ? redis.shardedSubscriber('socket.io-sub') : redis.blocking('socket.io-sub'),
  ];
  await Promise.all([app.get<RedisClient>(REDIS_COMMAND), pub, sub].map((client) => whenReady(client, REDIS_READY_WAIT_MS)));
  app.useWebSocketAdapter(
    new RedisIoAdapter(app, pub, sub, {
      channelKey: socketChannel(config),
      sharded,
      allowedOrigins: config.security.socketOrigins,
      pingIntervalMs: config.sockets.pingIntervalMs,
      pingTimeoutMs: config.sockets.pingTimeoutMs,
      onResubscribed: () => void app.get(SessionGateway).resync(),
    }),
  );
  await app.listen(config.http.port, config.http.host);
  return app;
}

/** Configuration, then (AUTH_PROVIDER=oidc) the provider's discovery: any problem stops the start. */
async function readConfigOrExit(): Promise<AppConfig> {
  try {
    const dotenv = existsSync('.env') ? readFileSync('.env', 'utf8') : null;
    return await resolveProvider(loadConfig(readEnvironment(process.env, dotenv)));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // stderr, plain: there is no logger yet, and the contract promises one readable line per problem.
    for (const problem of err.problems) process.stderr.write(`config error: ${problem}\n`);
    process.exit(1);
  }
}

/** SIGTERM/SIGINT: stop taking work, let in-flight polls finish, close everything, exit 0 within a bound. */
function onShutdown(
  config: AppConfig,
  lifecycle: LifecycleLogger,
  app: INestApplicationContext,
  redis: RedisFactory,
  demoRedis: DemoRedis | null,
): void {
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => {
      lifecycle.shutdownTimedOut();
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    try {
      await app.close();
      await redis.closeAll();
    } finally {
      // Waited for: a demo Redis still answering after the service has exited would outlive it.
      await demoRedis?.stopAndWait(2_000);
      lifecycle.stopped(signal);
      process.exit(0);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop(signal));
}

// A start that fails dies on stderr in one plain line: stdout stays JSON-only, and the logger may not exist yet.
main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
