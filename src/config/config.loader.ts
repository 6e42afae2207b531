import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { AppConfig, envSchema, ParsedEnv, SecurityConfig } from './config.schema';
import { oidcConfig, oidcProblems } from './oidc.settings';
import { redisConfig, redisProblems } from './redis.settings';
import { bearerKeyProblem, dashboardPasswordProblem, demoClientSecretProblem, encryptionKeyProblem } from './secret-strength';

/** Raised at boot with one human line per problem; `main.ts` prints them and exits non-zero. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Defaults the simulator accepts; used only when no WEBEX_CLIENT_ID is configured. */
export const SIMULATOR_CREDENTIALS = { clientId: 'sim-client-id', clientSecret: 'sim-client-secret' };

/** `.env` first, the real environment wins over it (the usual dotenv precedence). */
export function readEnvironment(env: NodeJS.ProcessEnv, dotenvText: string | null): Record<string, string | undefined> {
  const fromFile = dotenvText ? parseDotenv(dotenvText) : {};
  return { ...fromFile, ...env };
}

/** `X_FILE=/path` supplies X from a file (Docker/Kubernetes secrets); trailing newline dropped. */
export function resolveFileVariables(env: Record<string, string | undefined>): {
  env: Record<string, string | undefined>;
  problems: string[];
} {
  const out = { ...env };
  const problems: string[] = [];
  for (const [name, path] of Object.entries(env)) {
    if (!name.endsWith('_FILE') || !path) continue;
    const target = name.slice(0, -'_FILE'.length);
    if (!(target in envSchema.shape)) continue;
    if (env[target] !== undefined) {
      problems.push(`${target}: set both ${target} and ${name}; choose one`);
      continue;
    }
    try {
      out[target] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`${name}: cannot read ${path} (${reason})`);
    }
  }
  return { env: out, problems };
}

export function loadConfig(rawEnv: Record<string, string | undefined>): AppConfig {
  const { env, problems } = resolveFileVariables(emptyToUndefined(rawEnv));
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || 'environment'}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  problems.push(
    ...redisProblems(parsed.data),
    ...requiredInProduction(parsed.data),
    ...oidcProblems(parsed.data),
    ...weakSecretsInProduction(parsed.data),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed.data);
}

function emptyToUndefined(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) out[k] = v === '' ? undefined : v;
  return out;
}

function requiredInProduction(e: ParsedEnv): string[] {
  const problems: string[] = [];
  const prod = e.NODE_ENV === 'production';
  const webex = e.AUTH_PROVIDER === 'webex';
  if (webex && e.WEBEX_CLIENT_ID && !e.WEBEX_CLIENT_SECRET) {
    problems.push('WEBEX_CLIENT_SECRET: required when WEBEX_CLIENT_ID is set');
  }
  if (webex && !e.WEBEX_CLIENT_ID && e.ROLE !== 'all') {
    problems.push(`WEBEX_CLIENT_ID: required for ROLE=${e.ROLE} (the built-in simulator runs only with ROLE=all)`);
  }
  if (prod) {
    if (webex && !e.WEBEX_CLIENT_ID) problems.push('WEBEX_CLIENT_ID: required when NODE_ENV=production');
    if (!e.TOKEN_ENCRYPTION_KEY) problems.push('TOKEN_ENCRYPTION_KEY: required when NODE_ENV=production');
    if (e.ROLE !== 'worker' && (!e.DASHBOARD_USER || !e.DASHBOARD_PASSWORD)) {
      problems.push('DASHBOARD_USER, DASHBOARD_PASSWORD: required when NODE_ENV=production');
    }
  }
  if (e.WORKER_LOCK_MS < e.WEBEX_TIMEOUT_MS + 1_000) {
    // A poll may only start while the poller's lease outlives it: the request timeout plus a margin.
    problems.push(`WORKER_LOCK_MS: must be at least WEBEX_TIMEOUT_MS + 1000 (${e.WEBEX_TIMEOUT_MS + 1_000})`);
  }
  if (!e.TOKEN_ENCRYPTION_KEY && e.ROLE !== 'all') {
    // Separate processes must share the key, so a generated one cannot work.
    problems.push(`TOKEN_ENCRYPTION_KEY: required for ROLE=${e.ROLE}`);
  }
  return problems;
}

/** Production refuses weak, demo or example secrets: one line per problem, as for missing ones. */
function weakSecretsInProduction(e: ParsedEnv): string[] {
  if (e.NODE_ENV !== 'production') return [];
  const checks: Array<[string, string | null]> = [
    ['DASHBOARD_PASSWORD', e.DASHBOARD_PASSWORD ? dashboardPasswordProblem(e.DASHBOARD_PASSWORD, e.DASHBOARD_USER ?? '') : null],
    ['INTEGRATOR_API_KEY', e.INTEGRATOR_API_KEY ? bearerKeyProblem(e.INTEGRATOR_API_KEY) : null],
    ['METRICS_TOKEN', e.METRICS_TOKEN ? bearerKeyProblem(e.METRICS_TOKEN) : null],
    ['TOKEN_ENCRYPTION_KEY', e.TOKEN_ENCRYPTION_KEY ? encryptionKeyProblem(e.TOKEN_ENCRYPTION_KEY) : null],
    ['WEBEX_CLIENT_SECRET', e.WEBEX_CLIENT_SECRET ? demoClientSecretProblem(e.WEBEX_CLIENT_SECRET, e.WEBEX_API_BASE) : null],
  ];
  return checks.flatMap(([name, problem]) => (problem ? [`${name}: ${problem}`] : []));
}

function securityConfig(e: ParsedEnv, publicUrl: string): SecurityConfig {
  const production = e.NODE_ENV === 'production';
  return {
    // Production kiosks must prove who they are; demo and development keep today's open behaviour.
    kioskEnrollment: e.KIOSK_ENROLLMENT ?? (production ? 'required' : 'open'),
    metrics: { public: e.METRICS_PUBLIC ?? !production, token: e.METRICS_TOKEN ?? null },
    trustProxy: e.TRUST_PROXY,
    socketOrigins: e.SOCKET_ORIGINS.length > 0 ? e.SOCKET_ORIGINS : [new URL(publicUrl).origin],
    limits: {
      sessionsPerAddressPerMinute: e.LIMIT_SESSIONS_PER_ADDRESS,
      sessionsPerKioskPerMinute: e.LIMIT_SESSIONS_PER_KIOSK,
      pendingSignIns: e.LIMIT_PENDING_SIGNINS,
      authFailures: e.LIMIT_AUTH_FAILURES,
      socketsPerAddress: e.LIMIT_SOCKETS_PER_ADDRESS,
      watchesPerSocket: e.LIMIT_WATCHES_PER_SOCKET,
      exemptAddresses: e.LIMIT_EXEMPT_ADDRESSES,
    },
  };
}

function toConfig(e: ParsedEnv): AppConfig {
  const simulated = e.AUTH_PROVIDER === 'webex' && !e.WEBEX_CLIENT_ID;
  const publicUrl = e.PUBLIC_URL ?? `http://localhost:${e.PORT}`;
  return {
    nodeEnv: e.NODE_ENV,
    role: e.ROLE,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'warn' : 'info'),
    http: { port: e.PORT, host: e.HOST, publicUrl },
    sockets: { pingIntervalMs: e.SOCKET_PING_INTERVAL_MS, pingTimeoutMs: e.SOCKET_PING_TIMEOUT_MS },
    redis: redisConfig(e),
    authProvider: e.AUTH_PROVIDER,
    oidc: oidcConfig(e),
    webex: {
      simulated,
      clientId: e.WEBEX_CLIENT_ID ?? SIMULATOR_CREDENTIALS.clientId,
      clientSecret: e.WEBEX_CLIENT_SECRET ?? SIMULATOR_CREDENTIALS.clientSecret,
      // The embedded simulator is reached over loopback, whatever PUBLIC_URL says.
      apiBase: simulated ? `http://127.0.0.1:${e.PORT}/sim/v1` : e.WEBEX_API_BASE,
      scopes: e.WEBEX_SCOPES,
      timeoutMs: e.WEBEX_TIMEOUT_MS,
    },
    dashboard: {
      user: e.DASHBOARD_USER ?? 'admin',
      password: e.DASHBOARD_PASSWORD ?? randomBytes(12).toString('base64url'),
      generated: !e.DASHBOARD_PASSWORD,
      allowActions: e.DASHBOARD_ALLOW_ACTIONS,
    },
    tokenKeys: {
      keys: [e.TOKEN_ENCRYPTION_KEY ?? randomBytes(32), ...e.TOKEN_ENCRYPTION_KEYS_PREVIOUS],
      generated: !e.TOKEN_ENCRYPTION_KEY,
    },
    integratorApiKey: e.INTEGRATOR_API_KEY ?? null,
    security: securityConfig(e, publicUrl),
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      lockDurationMs: e.WORKER_LOCK_MS,
      stalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS,
    },
    poller: {
      capacity: e.WORKER_SIGN_INS,
      leaseMs: e.WORKER_LOCK_MS,
      pollRatePerSecond: e.POLL_RATE_LIMIT,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
