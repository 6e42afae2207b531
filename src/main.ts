import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule, keyPrefix } from './app.module';
import { ConfigError, loadConfig, readEnvironment } from './config/config.loader';
import { AppConfig } from './config/config.schema';
import { DemoRedis, startDemoRedis } from './demo/redis-server';
import { RedisIoAdapter } from './gateways/redis-io.adapter';
import { CLIENT_DIR } from './http/client-pages';
import { applyHttpSecurity } from './http/security.setup';
import { RedisFactory } from './repositories/redis.factory';
import { createWebexSimulator } from './simulator/webex-simulator';

async function main(): Promise<void> {
  const config = readConfigOrExit();
  let demoRedis: DemoRedis | null = null;
  if (!config.redis.url) demoRedis = await startDemoRedis();
  const redis = new RedisFactory(config.redis.url ?? demoRedis!.url);
  const module = AppModule.register(config, redis);

  const app: INestApplicationContext =
    config.role === 'worker' ? await startWorker(module) : await startHttp(config, module, redis);
  printBanner(config, demoRedis);
  onShutdown(config, app, redis, demoRedis);
}

async function startWorker(module: DynamicModule): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  return app;
}

async function startHttp(config: AppConfig, module: DynamicModule, redis: RedisFactory): Promise<INestApplicationContext> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  applyHttpSecurity(app, config);
  if (config.webex.simulated) {
    const sim = createWebexSimulator({ publicBaseUrl: `${config.http.publicUrl}/sim` });
    app.use('/sim', sim.app);
  }
  if (existsSync(CLIENT_DIR)) app.useStaticAssets(CLIENT_DIR, { index: 'index.html', maxAge: 0 });
  app.useWebSocketAdapter(
    new RedisIoAdapter(app, redis.command('socket.io-pub'), redis.blocking('socket.io-sub'), {
      channelKey: `${keyPrefix(config)}:socket.io`,
      allowedOrigins: config.security.socketOrigins,
    }),
  );
  await app.listen(config.http.port, config.http.host);
  return app;
}

function readConfigOrExit(): AppConfig {
  try {
    const dotenv = existsSync('.env') ? readFileSync('.env', 'utf8') : null;
    return loadConfig(readEnvironment(process.env, dotenv));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) process.stderr.write(`config error: ${problem}\n`);
    process.exit(1);
  }
}

function printBanner(config: AppConfig, demoRedis: DemoRedis | null): void {
  const lines = [`Kiosk Sign-in (${config.role}) is running.`];
  if (config.role !== 'worker') {
    lines.push(`  Kiosk page:        ${config.http.publicUrl}/?kiosk=lobby-1`);
    lines.push(`  Fleet view:        ${config.http.publicUrl}/admin/kiosks`);
    lines.push(`  Queue dashboard:   ${config.http.publicUrl}/admin/queues`);
  }
  if (config.webex.simulated) lines.push(`  Webex simulator:   ${config.http.publicUrl}/sim/verify  (approve sign-ins here)`);
  if (demoRedis) lines.push(`  Redis (demo):      ${demoRedis.url}, kept in memory only`);
  if (config.dashboard.generated && config.role !== 'worker') {
    lines.push(
      `  Dashboard login:   ${config.dashboard.user} / ${config.dashboard.password}  (generated; set DASHBOARD_PASSWORD)`,
    );
  }
  if (config.tokenKeys.generated) lines.push('  Token key:         generated for this run; tokens do not survive a restart');
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** SIGTERM/SIGINT: stop taking work, let in-flight polls finish, close everything, exit 0 within a bound. */
function onShutdown(config: AppConfig, app: INestApplicationContext, redis: RedisFactory, demoRedis: DemoRedis | null): void {
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => {
      process.stderr.write(`shutdown took longer than ${config.shutdownTimeoutMs} ms; exiting\n`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    try {
      await app.close();
      await redis.closeAll();
    } finally {
      demoRedis?.stop();
      process.stdout.write(`stopped on ${signal}\n`);
      process.exit(0);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop(signal));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
