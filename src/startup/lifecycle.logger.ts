import type { INestApplicationContext } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import type { AppConfig } from '../config/config.schema';
import { prettyLogs } from '../config/logger.options';
import { bannerFacts, bannerFields, bannerLines, bannerMessage, loginLine } from './banner';

/**
 * The process's own life — started (with its addresses), stopped, gave up stopping — told through
 * the application's pino logger, so that with JSON logs stdout holds nothing but JSON lines.
 *
 * These few records are written whatever `LOG_LEVEL` says (except `silent`): they are how a log
 * reader (and the benchmark, which runs at `warn`) knows a process came up and went away.
 */
export class LifecycleLogger {
  private constructor(
    private readonly config: AppConfig,
    private readonly log: Pino,
  ) {}

  /**
   * The pino instance Nest's own lines go through (not `PinoLogger.root`, pino-http's, which has a
   * stream of its own): one stream keeps the records in the order they were made.
   */
  static async fromApp(app: INestApplicationContext, config: AppConfig): Promise<LifecycleLogger> {
    const nestLogger = (await app.resolve(PinoLogger)).logger;
    const level = config.logLevel === 'silent' ? 'silent' : moreVerbose(config.logLevel, 'info');
    return new LifecycleLogger(config, nestLogger.child({ context: 'Lifecycle' }, { level }));
  }

  /**
   * Development (pretty logs): the banner as lines, written after every start-up log line so the
   * generated password is the last thing on screen. Otherwise one record with the addresses as
   * fields; a generated password (never in production) goes to stderr, not into the log stream.
   * `heapGrowingPercent`: what `applyHeapPolicy` set, or null where the operator's Node options or V8 decide.
   */
  started(demoRedisUrl: string | null, heapGrowingPercent: number | null): void {
    const facts = bannerFacts(this.config, demoRedisUrl);
    if (prettyLogs(this.config)) {
      process.stdout.write(`${bannerLines(facts).join('\n')}\n`);
      return;
    }
    this.log.info({ ...bannerFields(facts), heapGrowingPercent }, bannerMessage(facts));
    if (facts.generatedLogin !== null && facts.role !== 'worker') process.stderr.write(`${loginLine(facts.generatedLogin)}\n`);
  }

  stopped(signal: string): void {
    this.log.info({ event: 'stopped', signal }, `stopped on ${signal}`);
  }

  shutdownTimedOut(): void {
    this.log.error(
      { event: 'shutdown_timeout', timeoutMs: this.config.shutdownTimeoutMs },
      `shutdown took longer than ${this.config.shutdownTimeoutMs} ms; exiting`,
    );
  }
}

const ORDER = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type Level = (typeof ORDER)[number];

function moreVerbose(a: Level, b: Level): Level {
  return ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b;
}
