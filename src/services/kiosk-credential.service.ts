import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { parse as parseCookies } from 'cookie';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { KIOSK_ID_PATTERN } from '../domain/session';
import { KioskIdentity, KioskRecord } from '../domain/kiosk';
import { constantTimeEquals } from '../repositories/crypto.repository';

const VERSION = 'k1';
/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis); the kiosk re-receives it on every sign-in. */
export const CREDENTIAL_MAX_AGE_S = 400 * 24 * 60 * 60;

export interface IssuedCredential {
  record: KioskRecord;
  /** The cookie value: shown to the kiosk once, never stored. */
  value: string;
}

export interface ParsedCredential {
  kioskId: string;
  credentialId: string;
  secret: string;
  /** False when signed with a previous TOKEN_ENCRYPTION_KEY: the caller re-issues it signed anew. */
  current: boolean;
}

/**
 * The kiosk credential: `k1~<kioskId>~<credentialId>~<secret>~<mac>`. The HMAC (keyed from
 * TOKEN_ENCRYPTION_KEY, so every process agrees) rejects forged or altered values without a Redis
 * lookup; the secret is then checked against the SHA-256 stored at enrollment, so revoking (deleting
 * that hash) takes effect at once. 256 random bits make a fast hash the right one here.
 */
@Injectable()
export class KioskCredentialService {
  private readonly macKeys: Buffer[];
  readonly cookieName: string;
  readonly secure: boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.macKeys = config.tokenKeys.keys.map((key) => Buffer.from(hkdfSync('sha256', key, '', 'kiosk-credential', 32)));
    this.secure = config.http.publicUrl.startsWith('https://');
    // `__Host-`: the browser keeps it to this exact origin, Secure and Path=/ (RFC 6265bis §4.1.3.2).
    this.cookieName = this.secure ? '__Host-kiosk_credential' : 'kiosk_credential';
  }

  issue(kioskId: string, now: number): IssuedCredential {
    const credentialId = randomBytes(9).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    return {
      record: { kioskId, credentialId, secretHash: hashSecret(secret), enrolledAt: now },
      value: this.sign(kioskId, credentialId, secret),
    };
  }

  /** The same credential, signed with the current key. */
  resign(parsed: ParsedCredential): string {
    return this.sign(parsed.kioskId, parsed.credentialId, parsed.secret);
  }

  /** The credential from a `Cookie` header, if it is well-formed and carries a valid signature. */
  fromCookieHeader(header: string | undefined): ParsedCredential | null {
    if (!header) return null;
    let value: string | undefined;
    try {
      value = parseCookies(header)[this.cookieName];
    } catch {
      return null;
    }
    return value ? this.parse(value) : null;
  }

  parse(value: string): ParsedCredential | null {
    const parts = value.split('~');
    if (parts.length !== 5 || parts[0] !== VERSION) return null;
    const [, kioskId, credentialId, secret, mac] = parts as [string, string, string, string, string];
    if (!KIOSK_ID_PATTERN.test(kioskId) || !/^[\w-]{12}$/.test(credentialId) || !/^[\w-]{43}$/.test(secret)) return null;
    const payload = [VERSION, kioskId, credentialId, secret].join('~');
    const index = this.macKeys.findIndex((key) => constantTimeEquals(mac, macOf(key, payload)));
    return index < 0 ? null : { kioskId, credentialId, secret, current: index === 0 };
  }

  /** True when `parsed` is the credential `record` was enrolled with. */
  matches(parsed: ParsedCredential, record: KioskRecord | null): record is KioskRecord {
    if (!record) return false;
    const idOk = constantTimeEquals(parsed.credentialId, record.credentialId);
    const secretOk = constantTimeEquals(hashSecret(parsed.secret), record.secretHash);
    return idOk && secretOk;
  }

  identity(parsed: ParsedCredential): KioskIdentity {
    return { kioskId: parsed.kioskId, credentialId: parsed.credentialId };
  }

  private sign(kioskId: string, credentialId: string, secret: string): string {
    const payload = [VERSION, kioskId, credentialId, secret].join('~');
    return `${payload}~${macOf(this.macKeys[0], payload)}`;
  }
}

function macOf(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}
