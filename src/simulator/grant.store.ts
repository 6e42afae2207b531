import { newSecret } from './sim-random';
import type { SimPerson } from './sim-person';

/** Webex's token answer, for both the device grant and a refresh. */
export interface WebexTokenBody {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_token_expires_in: number;
  token_type: 'Bearer';
  scope: string;
}

export interface TokenLifetimes {
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
}

/** Everything issued for one sign-in; revoking it kills all its tokens at once. */
interface Grant {
  readonly userCode: string;
  readonly clientId: string;
  readonly scope: string;
  readonly person: SimPerson;
  refreshToken: string;
  refreshExpiresAt: number;
  /** Access tokens still on record, so revocation can find them. */
  readonly accessTokens: Set<string>;
  /** Every token ever issued for this sign-in, for tests that scan for leaks. */
  readonly issued: string[];
}

interface AccessEntry {
  readonly grant: Grant;
  readonly expiresAt: number;
}

export type RefreshResult =
  { ok: true; body: WebexTokenBody; userCode: string } | { ok: false; reason: 'unknown' | 'expired' | 'wrong_client' };

/** Access and refresh tokens, each looked up in O(1). */
export class GrantStore {
  private readonly access = new Map<string, AccessEntry>();
  private readonly refresh = new Map<string, Grant>();
  private readonly byUserCode = new Map<string, Grant>();

  /** The device grant's answer: a new access and refresh token. */
  issue(
    sign: { userCode: string; clientId: string; scope: string; person: SimPerson },
    now: number,
    ttl: TokenLifetimes,
  ): WebexTokenBody {
    const grant: Grant = {
      ...sign,
      refreshToken: newSecret(),
      refreshExpiresAt: now + ttl.refreshTokenTtlS * 1000,
      accessTokens: new Set(),
      issued: [],
    };
    this.refresh.set(grant.refreshToken, grant);
    this.byUserCode.set(grant.userCode, grant);
    return this.answer(grant, now, ttl);
  }

  /**
   * A refresh. Like Webex, earlier access tokens stay valid until their own
   * expiry; with rotation the old refresh token stops working.
   */
  refreshWith(refreshToken: string, clientId: string, now: number, ttl: TokenLifetimes & { rotate: boolean }): RefreshResult {
    const grant = this.refresh.get(refreshToken);
    if (grant === undefined) return { ok: false, reason: 'unknown' };
    if (grant.clientId !== clientId) return { ok: false, reason: 'wrong_client' };
    if (now >= grant.refreshExpiresAt) {
      this.refresh.delete(refreshToken);
      return { ok: false, reason: 'expired' };
    }
    if (ttl.rotate) {
      this.refresh.delete(refreshToken);
      grant.refreshToken = newSecret();
      this.refresh.set(grant.refreshToken, grant);
    }
    grant.refreshExpiresAt = now + ttl.refreshTokenTtlS * 1000;
    this.forgetExpiredAccess(grant, now);
    return { ok: true, body: this.answer(grant, now, ttl), userCode: grant.userCode };
  }

  /** The person behind a live access token, or null. */
  personFor(accessToken: string, now: number): SimPerson | null {
    const entry = this.access.get(accessToken);
    if (entry === undefined) return null;
    if (now >= entry.expiresAt) {
      this.access.delete(accessToken);
      entry.grant.accessTokens.delete(accessToken);
      return null;
    }
    return entry.grant.person;
  }

  /** Every access and refresh token issued for a sign-in (test-only control API). */
  issuedFor(userCode: string): string[] {
    return [...new Set(this.byUserCode.get(userCode)?.issued ?? [])];
  }

  /** Ends a sign-in: its refresh token and every access token it produced. */
  revoke(userCode: string): boolean {
    const grant = this.byUserCode.get(userCode);
    if (grant === undefined) return false;
    this.byUserCode.delete(userCode);
    this.refresh.delete(grant.refreshToken);
    for (const token of grant.accessTokens) this.access.delete(token);
    grant.accessTokens.clear();
    return true;
  }

  clear(): void {
    this.access.clear();
    this.refresh.clear();
    this.byUserCode.clear();
  }

  private answer(grant: Grant, now: number, ttl: TokenLifetimes): WebexTokenBody {
    const accessToken = newSecret();
    this.access.set(accessToken, { grant, expiresAt: now + ttl.accessTokenTtlS * 1000 });
    grant.accessTokens.add(accessToken);
    grant.issued.push(accessToken, grant.refreshToken);
    return {
      access_token: accessToken,
      expires_in: ttl.accessTokenTtlS,
      refresh_token: grant.refreshToken,
      refresh_token_expires_in: Math.max(0, Math.round((grant.refreshExpiresAt - now) / 1000)),
      token_type: 'Bearer',
      scope: grant.scope,
    };
  }

  /** Keeps a long-lived, often refreshed grant from piling up dead tokens. */
  private forgetExpiredAccess(grant: Grant, now: number): void {
    for (const token of grant.accessTokens) {
      const entry = this.access.get(token);
      if (entry === undefined || now >= entry.expiresAt) {
        this.access.delete(token);
        grant.accessTokens.delete(token);
      }
    }
  }
}
