import { isIP } from 'node:net';
import { z } from 'zod';
import { RedisConfig, redisEnvFields } from './redis.settings';
import { DEFAULT_PING_INTERVAL_MS, DEFAULT_PING_TIMEOUT_MS } from './socket-heartbeat';

/**
 * The one typed configuration object. Built once at boot from the environment
 * (see `config.loader.ts`); nothing else reads `process.env`.
 */
export type Role = 'api' | 'worker' | 'all';

/** How the client proves who it is at an OpenID provider (RFC 6749 §2.3, OIDC Core §9). */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** An OpenID provider's endpoints, from discovery or given explicitly. */
export interface OidcEndpoints {
  deviceAuthorization: string;
  token: string;
  userinfo: string;
  /** RFC 7009; `null` when the provider has none (Entra ID publishes none). */
  revocation: string | null;
}

export interface OidcConfig {
  /** Display name: `OIDC_PROVIDER_NAME`, or derived from the issuer's host. */
  name: string;
  issuer: string | null;
  /** Endpoints given in the environment; each wins over discovery. */
  explicit: Partial<OidcEndpoints>;
  /** Complete once `resolveProvider` ran at start (before the Nest module is built). */
  endpoints: OidcEndpoints | null;
  clientId: string;
  clientSecret: string | null;
  clientAuth: ClientAuthMethod;
  scopes: string;
  timeoutMs: number;
}

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  role: Role;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  http: { port: number; host: string; publicUrl: string };
  /**
   * Socket.IO's heartbeat (engine.io's `pingInterval`, `pingTimeout`): each connection gets a ping
   * this often and is closed when its answer takes longer; a kiosk's client takes the pair from the
   * handshake and reconnects when no ping came for both together.
   */
  sockets: { pingIntervalMs: number; pingTimeoutMs: number };
  /** One Redis (`REDIS_URL`), Redis behind Sentinels, or neither: demo mode (see `redis.settings.ts`). */
  redis: RedisConfig;
  /** Who people sign in with: Webex (default) or any standards OpenID provider. */
  authProvider: 'webex' | 'oidc';
  /** Set when `authProvider` is `oidc`. */
  oidc: OidcConfig | null;
  webex: {
    /** True when Webex is the provider and no client id is configured: the simulator runs at `/sim`. */
    simulated: boolean;
    clientId: string;
    clientSecret: string;
    apiBase: string;
    scopes: string;
    timeoutMs: number;
  };
  dashboard: { user: string; password: string; generated: boolean; allowActions: boolean };
  /** First key encrypts; all keys are tried to decrypt (rotation). */
  tokenKeys: { keys: Buffer[]; generated: boolean };
  integratorApiKey: string | null;
  security: SecurityConfig;
  /** BullMQ workers (deadline jobs); `concurrency` also caps the token refreshes a worker holds (`RefreshScheduler`). */
  worker: {
    concurrency: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
  };
  /** The pollers (`PollScheduler`): sign-ins polled on in-process timers under Redis leases. */
  poller: {
    /** Sign-ins one worker process holds at most. */
    capacity: number;
    /** How long a poller's claim on a sign-in outlives its next poll; a takeover waits this long. */
    leaseMs: number;
    /** Polls per second across all pollers. */
    pollRatePerSecond: number;
  };
  shutdownTimeoutMs: number;
}

/** Issue #12: kiosk identity, abuse limits, browser hardening, operations. */
export interface SecurityConfig {
  /** `required`: sessions belong to the enrolled kiosk whose credential created them; `open`: anyone may. */
  kioskEnrollment: 'required' | 'open';
  metrics: { public: boolean; token: string | null };
  /** Express's `trust proxy` value: hop count, address list, or true/false. */
  trustProxy: boolean | number | string[];
  /** Browser origins allowed to open a Socket.IO connection (a same-origin page always may). */
  socketOrigins: string[];
  limits: LimitsConfig;
}

export interface LimitsConfig {
  sessionsPerAddressPerMinute: number;
  sessionsPerKioskPerMinute: number;
  /** Fleet-wide ceiling on pending sign-ins: each one polls Webex under the integration's rate limit. */
  pendingSignIns: number;
  /** Failed operator/integrator authentications per address per 15 minutes before refusing. */
  authFailures: number;
  socketsPerAddress: number;
  watchesPerSocket: number;
  /** Addresses (or CIDR ranges) exempt from the per-address limits, e.g. a load-test client. */
  exemptAddresses: string[];
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const base64Key = z.string().transform((value, ctx) => {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== 32) {
    ctx.addIssue({ code: 'custom', message: `must be 32 bytes in base64 (got ${key.length} bytes)` });
    return z.NEVER;
  }
  return key;
});

const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
/** Endpoints are used exactly as given: a trailing slash may matter to the provider. */
const endpointUrl = z.url({ protocol: /^https?$/ });

const scopeList = (fallback: string) =>
  z
    .string()
    .trim()
    .min(1)
    .transform((s) => s.split(/\s+/).join(' '))
    .default(fallback);

/** Raw environment after `_FILE` resolution; every value optional, parsed and checked here. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: httpUrl.optional(),
  ...redisEnvFields,
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ or -, at most 32')
    .default('kiosk'),
  WEBEX_CLIENT_ID: z.string().min(1).optional(),
  WEBEX_CLIENT_SECRET: z.string().min(1).optional(),
  WEBEX_API_BASE: httpUrl.default('https://webexapis.com/v1'),
  WEBEX_SCOPES: scopeList('spark:all meeting:recordings_read'),
  WEBEX_TIMEOUT_MS: positiveInt.default(10_000),
  AUTH_PROVIDER: z.enum(['webex', 'oidc']).default('webex'),
  OIDC_ISSUER: endpointUrl.optional(),
  OIDC_DEVICE_AUTHORIZATION_URL: endpointUrl.optional(),
  OIDC_TOKEN_URL: endpointUrl.optional(),
  OIDC_USERINFO_URL: endpointUrl.optional(),
  OIDC_REVOCATION_URL: endpointUrl.optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_CLIENT_AUTH: z.enum(CLIENT_AUTH_METHODS).optional(),
  OIDC_SCOPES: scopeList('openid profile email offline_access'),
  OIDC_PROVIDER_NAME: z.string().trim().min(1).max(64).optional(),
  OIDC_TIMEOUT_MS: positiveInt.default(10_000),
  DASHBOARD_USER: z.string().min(1).optional(),
  DASHBOARD_PASSWORD: z.string().min(1).optional(),
  DASHBOARD_ALLOW_ACTIONS: z.stringbool().default(false),
  TOKEN_ENCRYPTION_KEY: base64Key.optional(),
  TOKEN_ENCRYPTION_KEYS_PREVIOUS: z
    .string()
    .optional()
    .transform((s, ctx) => parseKeyList(s, ctx)),
  INTEGRATOR_API_KEY: z.string().min(1).optional(),
  WORKER_CONCURRENCY: positiveInt.max(10_000).default(50),
  WORKER_SIGN_INS: positiveInt.max(1_000_000).default(25_000),
  POLL_RATE_LIMIT: positiveInt.default(1000),
  WORKER_LOCK_MS: positiveInt.min(1000).default(30_000),
  WORKER_STALLED_INTERVAL_MS: positiveInt.min(1000).default(30_000),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(15_000),
  KIOSK_ENROLLMENT: z.enum(['required', 'open']).optional(),
  METRICS_PUBLIC: z.stringbool().optional(),
  METRICS_TOKEN: z.string().min(1).optional(),
  TRUST_PROXY: z
    .string()
    .trim()
    .min(1)
    .transform((s, ctx) => parseTrustProxy(s, ctx))
    .default(['loopback']),
  // Between 1 s and 10 min: a ping must come before a proxy's idle timeout.
  SOCKET_PING_INTERVAL_MS: positiveInt.min(1_000).max(600_000).default(DEFAULT_PING_INTERVAL_MS),
  SOCKET_PING_TIMEOUT_MS: positiveInt.min(1_000).max(600_000).default(DEFAULT_PING_TIMEOUT_MS),
  SOCKET_ORIGINS: z
    .string()
    .optional()
    .transform((s, ctx) => parseOrigins(s, ctx)),
  LIMIT_SESSIONS_PER_ADDRESS: positiveInt.default(120),
  LIMIT_SESSIONS_PER_KIOSK: positiveInt.default(10),
  LIMIT_PENDING_SIGNINS: positiveInt.default(5_000),
  LIMIT_AUTH_FAILURES: positiveInt.default(10),
  LIMIT_SOCKETS_PER_ADDRESS: positiveInt.default(1_000),
  LIMIT_WATCHES_PER_SOCKET: positiveInt.default(100),
  LIMIT_EXEMPT_ADDRESSES: z
    .string()
    .optional()
    .transform((s, ctx) => parseAddressList(s, ctx, 'LIMIT_EXEMPT_ADDRESSES')),
});

export type RawEnv = z.input<typeof envSchema>;
export type ParsedEnv = z.output<typeof envSchema>;

function parseKeyList(value: string | undefined, ctx: z.RefinementCtx): Buffer[] {
  if (!value) return [];
  const keys: Buffer[] = [];
  for (const part of value.split(',').filter((p) => p.trim())) {
    const key = Buffer.from(part.trim(), 'base64');
    if (key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'every key must be 32 bytes in base64' });
      return [];
    }
    keys.push(key);
  }
  return keys;
}

/**
 * `TRUST_PROXY` as Express's `trust proxy` understands it: `true`/`false`, a hop count, or a
 * comma-separated list of addresses, CIDR ranges and the names `loopback`, `linklocal`, `uniquelocal`.
 */
function parseTrustProxy(value: string, ctx: z.RefinementCtx): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return parseAddressList(value, ctx, 'TRUST_PROXY');
}

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function parseAddressList(value: string | undefined, ctx: z.RefinementCtx, name: string): string[] {
  if (!value) return [];
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const part of parts) {
    const [address, bits, extra] = part.split('/');
    const okAddress = NAMED_RANGES.has(part) || isIP(address ?? '') !== 0;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && extra === undefined);
    if (!okAddress || !okBits) {
      ctx.addIssue({
        code: 'custom',
        message: `${name}: "${part}" is not an address, a CIDR range or loopback/linklocal/uniquelocal`,
      });
    }
  }
  return parts;
}

function parseOrigins(value: string | undefined, ctx: z.RefinementCtx): string[] {
  if (!value) return [];
  const origins: string[] = [];
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    try {
      const url = new URL(part);
      if (!/^https?:$/.test(url.protocol)) throw new Error('not http');
      origins.push(url.origin);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not an http(s) origin` });
    }
  }
  return origins;
}
