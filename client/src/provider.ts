/**
 * Which identity provider this kiosk signs people in with (`GET /api/provider`), so the idle
 * screen can say "Sign in with Webex" or "Sign in with Contoso" before any session exists.
 */

export interface ProviderInfo {
  kind: 'webex' | 'oidc';
  name: string;
}

const TIMEOUT_MS = 10_000;
const MAX_NAME = 64;

/** `null` when the payload is not a usable provider description. */
export function parseProvider(v: unknown): ProviderInfo | null {
  if (typeof v !== 'object' || v === null) return null;
  const { kind, name } = v as Record<string, unknown>;
  if ((kind !== 'webex' && kind !== 'oidc') || typeof name !== 'string' || name.trim() === '') return null;
  return { kind, name: name.trim().slice(0, MAX_NAME) };
}

/** Resolves with the provider, or `null` when the service cannot say right now (try again later). */
export async function fetchProvider(): Promise<ProviderInfo | null> {
  try {
    const res = await fetch('/api/provider', {
      headers: { accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return res.ok ? parseProvider(await res.json()) : null;
  } catch {
    return null;
  }
}
