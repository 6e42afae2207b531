import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { KioskNotEnrolledError } from '../domain/errors';
import { Caller, KioskIdentity } from '../domain/kiosk';
import { KioskRepository } from '../repositories/kiosk.repository';
import { KioskCredentialService, ParsedCredential } from './kiosk-credential.service';

export interface ResolvedCaller {
  caller: Caller;
  /** The valid credential the caller presented, to send back refreshed (sliding expiry, current key). */
  credential: ParsedCredential | null;
}

/**
 * Who a kiosk-facing request or Socket.IO handshake comes from. With `KIOSK_ENROLLMENT=required`
 * a caller without a valid, unrevoked credential is refused before anything is looked up.
 */
@Injectable()
export class KioskAccessService {
  readonly required: boolean;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly credentials: KioskCredentialService,
    private readonly kiosks: KioskRepository,
  ) {
    this.required = config.security.kioskEnrollment === 'required';
  }

  async resolve(address: string, cookieHeader: string | undefined): Promise<ResolvedCaller> {
    const parsed = this.credentials.fromCookieHeader(cookieHeader);
    const valid = parsed && this.credentials.matches(parsed, await this.kiosks.get(parsed.kioskId)) ? parsed : null;
    if (!valid && this.required) throw notEnrolled();
    return { caller: { address, kiosk: valid ? this.credentials.identity(valid) : null }, credential: valid };
  }

  /** A connection's kiosk is still enrolled with the same credential (not revoked or replaced since). */
  async assertStillEnrolled(kiosk: KioskIdentity | null): Promise<void> {
    if (!this.required) return;
    const record = kiosk ? await this.kiosks.get(kiosk.kioskId) : null;
    if (!record || record.credentialId !== kiosk?.credentialId) throw notEnrolled();
  }
}

function notEnrolled(): KioskNotEnrolledError {
  return new KioskNotEnrolledError('This kiosk is not enrolled; an operator can enroll it from the fleet view');
}
