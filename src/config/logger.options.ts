import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import { type HttpLogger, pinoHttp } from 'pino-http';
import { clientAddressResolver } from '../http/client-address';
import { AppConfig } from './config.schema';

/**
 * Every place a secret could surface in a log line. pino's redaction is path based, so both the
 * request headers and any logged object carrying tokens are covered.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.accessToken',
  '*.refreshToken',
  '*.deviceCode',
  '*.access_token',
  '*.refresh_token',
  '*.device_code',
  '*.clientSecret',
  '*.client_secret',
  '*.password',
  'accessToken',
  'refreshToken',
  'deviceCode',
  'password',
];

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Pretty lines for a person in development (when pino-pretty is installed: it is a dev
 * dependency); JSON lines everywhere else, production above all.
 */
export function prettyLogs(config: AppConfig): boolean {
  return config.nodeEnv === 'development' && prettyAvailable();
}

/**
 * pino-pretty in this thread, writing synchronously, rather than as a worker-thread transport: a
 * transport prints later than `process.stdout.write`, which put Nest's start-up lines after the
 * demo banner and scrolled the generated password away. Development only, so speed does not matter.
 */
function prettyStream(): DestinationStream {
  // Required lazily: pino-pretty is absent where dev dependencies are pruned.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require('pino-pretty') as (opts: Record<string, unknown>) => DestinationStream;
  return pretty({ singleLine: true, ignore: 'pid,hostname', sync: true });
}

interface Logging {
  /** For `LoggerModule.forRoot`: Nest's own lines go through the same pino instance. */
  params: Params;
  /**
   * The request log (pino-http) for `app.use`, first in line; null where the level leaves out
   * `info`, the level pino-http writes every request's line at (failures included).
   */
  requestLogger: HttpLogger<IncomingMessage, ServerResponse> | null;
}

const built = new WeakMap<AppConfig, Logging>();

/**
 * One pino instance per process, shared by Nest's logger and the request log. The request log is
 * plain pino-http rather than nestjs-pino's middleware: that one binds every request to an
 * AsyncLocalStorage, and once any AsyncLocalStorage runs, Node installs promise hooks that tax
 * every promise in the process — the pollers' included (a few per cent of their CPU per poll).
 * What it gave: service log lines written during a request carried the request id; they still
 * carry the session id, and the request's own line carries its id and client address.
 */
function logging(config: AppConfig): Logging {
  const known = built.get(config);
  if (known) return known;
  const base: LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { role: config.role, pid: process.pid },
  };
  const logger = prettyLogs(config) ? pino(base, prettyStream()) : pino(base);
  // Above `info` pino-http would write nothing, yet it would still make a child logger for every
  // request and run the redaction over its bindings: ≈ 40 µs a request, an eighth of what a
  // `/healthz` costs the service (bench/README.md, "December, twenty-third"). Nothing else reads
  // the `req.log` and `req.id` it sets.
  const requestLogger = logger.isLevelEnabled('info') ? httpLogger(logger, config) : null;
  // No routes: nestjs-pino's own middleware (and its AsyncLocalStorage) stays out; see above.
  const made = { params: { pinoHttp: { logger }, forRoutes: [] }, requestLogger };
  built.set(config, made);
  return made;
}

/** One line per request (pino-http writes them at `info`, failures included). */
function httpLogger(logger: pino.Logger, config: AppConfig): HttpLogger<IncomingMessage, ServerResponse> {
  // Who sent a request (TRUST_PROXY honoured, as for rate limits): abuse is traced by address.
  const clientAddress = clientAddressResolver(config.security.trustProxy);
  const withRequestProps = (req: IncomingMessage, line: object) => {
    const match = /^\/api\/sessions\/([A-Za-z0-9_-]+)/.exec(req.url ?? '');
    return { ...line, clientAddress: clientAddress(req), ...(match ? { sessionId: match[1] } : {}) };
  };
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // Health probes and metrics scrapes would drown everything else.
    autoLogging: { ignore: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') },
    // Added to the request's own line, when it is written, rather than as `customProps`: those
    // make a child logger for every request, written or not — ≈ 25 µs of CPU a request, five times
    // the rest of pino-http's (bench/README.md, "December, twentieth").
    customSuccessObject: (req, _res, line: object) => withRequestProps(req, line),
    customErrorObject: (req, _res, _err, line: object) => withRequestProps(req, line),
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
    },
  });
}

export function loggerOptions(config: AppConfig): Params {
  return logging(config).params;
}

export function requestLogger(config: AppConfig): Logging['requestLogger'] {
  return logging(config).requestLogger;
}
