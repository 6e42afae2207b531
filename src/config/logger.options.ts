import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
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

export function loggerOptions(config: AppConfig): Params {
  const pretty = config.nodeEnv === 'development' && prettyAvailable();
  // Who sent a request (TRUST_PROXY honoured, as for rate limits): abuse is traced by address.
  const clientAddress = clientAddressResolver(config.security.trustProxy);
  return {
    pinoHttp: {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { role: config.role, pid: process.pid },
      genReqId: (req: IncomingMessage) => {
        const given = req.headers['x-request-id'];
        return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
      },
      // Health probes and metrics scrapes would drown everything else.
      autoLogging: { ignore: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') },
      customProps: (req) => {
        const match = /^\/api\/sessions\/([A-Za-z0-9_-]+)/.exec(req.url ?? '');
        return { clientAddress: clientAddress(req), ...(match ? { sessionId: match[1] } : {}) };
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      },
      transport: pretty ? { target: 'pino-pretty', options: { singleLine: true, ignore: 'pid,hostname' } } : undefined,
    },
  };
}
