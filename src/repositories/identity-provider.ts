import { TokenAnswer } from '../device-flow/token-answer';
import { Profile, SessionProvider } from '../domain/session';

/** Which provider people sign in with; shown on the kiosk page and the fleet view. */
export type ProviderDescription = SessionProvider;

/** RFC 8628 §3.2 device authorization response, as the services use it. */
export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  /** Equals `verificationUri` when the provider gave no complete URI: the person types the code. */
  verificationUriComplete: string;
  expiresInS: number;
  intervalS: number | null;
}

export type ProfileAnswer =
  | { kind: 'ok'; profile: Profile }
  | { kind: 'unauthorized' }
  | { kind: 'rate_limited'; retryAfter: string | null }
  | { kind: 'error'; transient: boolean; description: string };

/** RFC 7009 outcome; revocation is best effort, so this is for logs and metrics only. */
export type RevokeOutcome = 'revoked' | 'unsupported' | 'failed';

/** Raised when a sign-in cannot be started; the message is safe to show. */
export class ProviderRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    options?: { cause?: unknown; retryAfterMs?: number | null; code?: string | null },
  ) {
    super(message, options);
    this.name = 'ProviderRequestError';
    this.retryAfterMs = options?.retryAfterMs ?? null;
    this.code = options?.code ?? null;
  }
  /** Set on HTTP 429: how long the provider asked every caller with this client id to wait. */
  readonly retryAfterMs: number | null;
  /** The provider's error code (`invalid_client`, …), when its answer carried one. */
  readonly code: string | null;
}

/**
 * What the services need from whoever signs people in: Webex (its own dialect) or any standards
 * OpenID provider. An abstract class rather than an interface so Nest can inject it by type.
 * Implementations parse every answer at this edge and never put a secret into an error or log.
 */
export abstract class IdentityProvider {
  abstract readonly description: ProviderDescription;

  /** RFC 8628 §3.1. Throws `ProviderRequestError` when no sign-in could be started. */
  abstract authorize(signal?: AbortSignal): Promise<DeviceAuthorization>;

  /** RFC 8628 §3.4 token request, classified. Never throws. */
  abstract pollToken(deviceCode: string, signal?: AbortSignal): Promise<TokenAnswer>;

  /** RFC 6749 §6 refresh, classified. Never throws. */
  abstract refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenAnswer>;

  /** The signed-in person, reduced to the contract's `Profile`. Never throws. */
  abstract getProfile(accessToken: string, signal?: AbortSignal): Promise<ProfileAnswer>;

  /** RFC 7009 revocation; `unsupported` where the provider has no revocation endpoint. Never throws. */
  abstract revoke(token: string, hint: 'refresh_token' | 'access_token', signal?: AbortSignal): Promise<RevokeOutcome>;
}
