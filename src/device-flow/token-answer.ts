/**
 * What one answer from Webex's token endpoint means, in protocol terms.
 * Produced by `classifyTokenAnswer` (pure), consumed by the poll rules (pure).
 */

/** Tokens as the service keeps them; times are epoch milliseconds. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
  /** `null` when Webex did not say (`refresh_token_expires_in` absent). */
  refreshExpiresAt: number | null;
  scope: string | null;
}

export type TransientReason = 'http_5xx' | 'timeout' | 'network';

export type TokenAnswer =
  | { kind: 'pending' }
  | { kind: 'slow_down' }
  | { kind: 'expired'; description: string }
  | { kind: 'denied'; description: string }
  | { kind: 'granted'; tokens: TokenSet }
  /** HTTP 429. `retryAfterMs` is null when the header was missing or unreadable. */
  | { kind: 'rate_limited'; retryAfterMs: number | null }
  | { kind: 'transient'; reason: TransientReason; status: number | null; description: string }
  | { kind: 'fatal'; code: string; description: string };
