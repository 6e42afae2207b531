import { z } from 'zod';

/**
 * How the simulated Webex behaves. The object handed out by the simulator is
 * live: routes read it on every request, so a test can flip a switch mid-flow.
 */
export interface SimulatorSettings {
  /** `interval` returned by authorize, in seconds. */
  intervalS: number;
  /** Answer authorize without `interval`, so clients must fall back to RFC 8628's 5 s. */
  omitInterval: boolean;
  /** Device code lifetime, in seconds. */
  expiresInS: number;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  /** A refresh answers a new refresh token (and invalidates the old one). */
  rotateRefreshToken: boolean;
  /** A poll sooner than the interval after the previous one answers `slow_down`. */
  enforceInterval: boolean;
  clientId: string;
  clientSecret: string;
}

/** RFC 8628 §3.2: a client that gets no `interval` must use 5 seconds. */
export const RFC_DEFAULT_INTERVAL_S = 5;

/** RFC 8628 §3.5: every `slow_down` adds 5 seconds to the interval. */
export const SLOW_DOWN_STEP_S = 5;

export const DEFAULT_SETTINGS: Readonly<SimulatorSettings> = Object.freeze({
  intervalS: 2,
  omitInterval: false,
  expiresInS: 300,
  // Webex's own lifetimes: 14 days for access tokens, 90 days for refresh tokens.
  accessTokenTtlS: 1_209_600,
  refreshTokenTtlS: 7_776_000,
  rotateRefreshToken: true,
  enforceInterval: true,
  clientId: 'sim-client-id',
  clientSecret: 'sim-client-secret',
});

// Whole seconds, as Webex and RFC 8628 send them: a client that validates its
// answers strictly must not trip over a fraction the real service never sends.
// The upper bounds only catch unit mistakes (milliseconds given as seconds).
const seconds = (max: number) => z.number().int().min(1).max(max);

export const settingsSchema = z
  .object({
    intervalS: seconds(3_600),
    omitInterval: z.boolean(),
    expiresInS: seconds(86_400),
    accessTokenTtlS: seconds(31_536_000),
    refreshTokenTtlS: seconds(315_360_000),
    rotateRefreshToken: z.boolean(),
    enforceInterval: z.boolean(),
    clientId: z.string().min(1).max(256),
    clientSecret: z.string().min(1).max(256),
  })
  .strict();

/** A change to the settings; unknown keys are refused so typos do not pass silently. */
export const settingsPatchSchema = settingsSchema.partial().strict();

export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** Defaults overlaid with `overrides`, validated; throws a ZodError on bad values. */
export function resolveSettings(overrides: Partial<SimulatorSettings> = {}): SimulatorSettings {
  return settingsSchema.parse({ ...DEFAULT_SETTINGS, ...overrides });
}

/** One readable line per problem, for HTTP answers and the standalone runner. */
export function describeZodError(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(body)';
    return `${where}: ${issue.message}`;
  });
}
