import { z } from 'zod';
import type { SimulatorSettings } from './simulator-settings';
import { settingsSchema } from './simulator-settings';

/** What the standalone runner needs, read from the environment. */
export interface StandaloneConfig {
  port: number;
  host: string;
  /** `null`: `http://localhost:<actual port>`, known only once listening (port 0). */
  publicUrl: string | null;
  settings: Partial<SimulatorSettings>;
}

export type ConfigResult = { ok: true; config: StandaloneConfig } | { ok: false; problems: string[] };

const DEFAULT_PORT = 4010;
const DEFAULT_HOST = '127.0.0.1';

/** Env var → settings key, for the numeric settings the runner exposes. */
const SECONDS_VARS = {
  SIM_INTERVAL_S: 'intervalS',
  SIM_EXPIRES_IN_S: 'expiresInS',
  SIM_ACCESS_TOKEN_TTL_S: 'accessTokenTtlS',
  SIM_REFRESH_TOKEN_TTL_S: 'refreshTokenTtlS',
} as const;

const wholeNumber = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number);

const envSchema = z.object({
  SIM_PORT: wholeNumber.pipe(z.number().max(65_535, 'expected a port from 0 to 65535')).optional(),
  SIM_HOST: z.string().optional(),
  SIM_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  SIM_INTERVAL_S: wholeNumber.optional(),
  SIM_EXPIRES_IN_S: wholeNumber.optional(),
  SIM_ACCESS_TOKEN_TTL_S: wholeNumber.optional(),
  SIM_REFRESH_TOKEN_TTL_S: wholeNumber.optional(),
  SIM_CLIENT_ID: z.string().optional(),
  SIM_CLIENT_SECRET: z.string().optional(),
});

type Env = z.infer<typeof envSchema>;

/** Blank variables count as unset, as they usually come from an empty `.env` line. */
function present(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('SIM_') && value !== undefined && value.trim() !== '') out[key] = value.trim();
  }
  return out;
}

function problemsOf(error: z.ZodError, name: (path: PropertyKey[]) => string): string[] {
  return error.issues.map((issue) => `Invalid ${name(issue.path)}: ${issue.message}`);
}

function settingsFrom(env: Env): Partial<SimulatorSettings> {
  const settings: Partial<SimulatorSettings> = {};
  for (const [variable, key] of Object.entries(SECONDS_VARS)) {
    const value = env[variable as keyof typeof SECONDS_VARS];
    if (value !== undefined) settings[key] = value;
  }
  if (env.SIM_CLIENT_ID !== undefined) settings.clientId = env.SIM_CLIENT_ID;
  if (env.SIM_CLIENT_SECRET !== undefined) settings.clientSecret = env.SIM_CLIENT_SECRET;
  return settings;
}

/** The env var that sets a settings key, for error lines people can act on. */
function variableFor(key: PropertyKey | undefined): string {
  const found = Object.entries(SECONDS_VARS).find(([, k]) => k === key);
  if (found !== undefined) return found[0];
  return key === 'clientSecret' ? 'SIM_CLIENT_SECRET' : key === 'clientId' ? 'SIM_CLIENT_ID' : String(key);
}

export function parseStandaloneEnv(env: NodeJS.ProcessEnv): ConfigResult {
  const parsed = envSchema.safeParse(present(env));
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error, (p) => String(p[0])) };
  const settings = settingsFrom(parsed.data);
  // Ranges are the simulator's own rules; checking here gives one line per bad variable.
  const ranged = settingsSchema.partial().safeParse(settings);
  if (!ranged.success) {
    return { ok: false, problems: problemsOf(ranged.error, (p) => variableFor(p[0])) };
  }
  return {
    ok: true,
    config: {
      port: parsed.data.SIM_PORT ?? DEFAULT_PORT,
      host: parsed.data.SIM_HOST ?? DEFAULT_HOST,
      publicUrl: parsed.data.SIM_PUBLIC_URL ?? null,
      settings,
    },
  };
}
