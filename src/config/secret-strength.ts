/**
 * What production refuses as a secret. Pure, so every rule is unit-tested; the loader turns each
 * refusal into one config line. The minimums are the contract's (dashboard password 12,
 * integrator key 32); "trivially repetitive" catches the keyboard-mash and copy-paste values
 * (`aaaa…`, `abcabc…`, `12341234…`) that pass a length check but not a guess.
 */

export const MIN_DASHBOARD_PASSWORD = 12;
export const MIN_BEARER_KEY = 32;
/** 32 random bytes have about 30 distinct values; fewer than 16 means the key was not drawn at random. */
const MIN_DISTINCT_KEY_BYTES = 16;
const MIN_DISTINCT_CHARS = 8;

/** Values of the examples, the demo and the test suite: fine there, never in production. */
const DEMO_VALUES = new Set([
  'admin',
  'password',
  'changeme',
  'change-me',
  'secret',
  'correct-horse-battery',
  'sim-client-secret',
]);

/** True when `value` repeats a short unit (`abab…`) or uses fewer than 8 distinct characters. */
export function isTriviallyRepetitive(value: string): boolean {
  if (new Set(value).size < MIN_DISTINCT_CHARS) return true;
  for (let unit = 1; unit <= value.length / 2; unit++) {
    if (value.length % unit === 0 && value.slice(0, unit).repeat(value.length / unit) === value) return true;
  }
  return false;
}

export function dashboardPasswordProblem(password: string, user: string): string | null {
  if (password.length < MIN_DASHBOARD_PASSWORD) return `must be at least ${MIN_DASHBOARD_PASSWORD} characters in production`;
  if (DEMO_VALUES.has(password.toLowerCase()) || password === user) return 'is a demo or example value; choose a random one';
  if (isTriviallyRepetitive(password)) return 'is trivially repetitive; choose a random one';
  return null;
}

/** For bearer keys that machines present (integrator API key, metrics token): long and random. */
export function bearerKeyProblem(key: string): string | null {
  if (key.length < MIN_BEARER_KEY) return `must be at least ${MIN_BEARER_KEY} characters in production (openssl rand -base64 32)`;
  if (isTriviallyRepetitive(key)) return 'is trivially repetitive; use a random value (openssl rand -base64 32)';
  return null;
}

export function encryptionKeyProblem(key: Buffer): string | null {
  if (new Set(key).size < MIN_DISTINCT_KEY_BYTES) return 'is not random (a test or example key); use openssl rand -base64 32';
  return null;
}

/** The simulator's demo client secret with real Webex is a copied example, never a real credential. */
export function demoClientSecretProblem(secret: string, apiBase: string): string | null {
  return DEMO_VALUES.has(secret) && /^https:\/\/webexapis\.com\//.test(`${apiBase}/`)
    ? 'is the simulator demo secret; set the integration secret from developer.webex.com'
    : null;
}
