import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import QRCode from 'qrcode';
import { z } from 'zod';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { InvalidRequestError, NotFoundError } from '../domain/errors';
import { EnrollmentLink, KioskView, toKioskView } from '../domain/kiosk';
import { KIOSK_ID_PATTERN } from '../domain/session';
import { ClockRepository } from '../repositories/clock.repository';
import { KioskRepository } from '../repositories/kiosk.repository';
import { PushRepository } from '../repositories/push.repository';
import { KioskCredentialService } from './kiosk-credential.service';
import { KioskSessionService } from './kiosk-session.service';
import { LimitsService } from './limits.service';

/** Long enough to walk a printed list of links round a building; a link works once. */
export const ENROLLMENT_LINK_TTL_MS = 24 * 3600 * 1000;

export const kioskIdBody = z.object({ kioskId: z.string().regex(KIOSK_ID_PATTERN, 'kioskId must match ^[A-Za-z0-9._-]{1,64}$') });
export const redeemBody = z.object({ token: z.string().regex(/^[\w-]{43}$/, 'token is not an enrollment token') });

/**
 * Kiosk enrollment: an operator issues a one-time link for a kiosk id; opening it on the kiosk
 * trades the link's token for the kiosk's long-lived credential. Only hashes are stored: of the
 * link token (until used or expired) and of the credential's secret.
 */
@Injectable()
export class EnrollmentService {
  private readonly logger = new Logger(EnrollmentService.name);
  private readonly publicUrl: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly kiosks: KioskRepository,
    private readonly credentials: KioskCredentialService,
    private readonly sessions: KioskSessionService,
    private readonly limits: LimitsService,
    private readonly push: PushRepository,
    private readonly clock: ClockRepository,
  ) {
    this.publicUrl = config.http.publicUrl;
  }

  async createLink(body: unknown): Promise<EnrollmentLink> {
    const { kioskId } = parse(kioskIdBody, body);
    const token = randomBytes(32).toString('base64url');
    await this.kiosks.saveEnrollment(hashToken(token), kioskId, ENROLLMENT_LINK_TTL_MS);
    // The token rides in the fragment: browsers never send it, so no server or proxy log holds it.
    const url = `${this.publicUrl}/enroll#${token}`;
    const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    this.logger.log({ kioskId }, 'enrollment link issued');
    return { kioskId, url, qrSvg, expiresAt: new Date(this.clock.now() + ENROLLMENT_LINK_TTL_MS).toISOString() };
  }

  /** Trades a link's token for the kiosk's credential (the cookie value); a used or unknown token fails. */
  async redeem(body: unknown, address: string): Promise<{ kioskId: string; credential: string }> {
    await this.limits.assertAuthAllowed('enrollment', address);
    const input = redeemBody.safeParse(body);
    const kioskId = input.success ? await this.kiosks.takeEnrollment(hashToken(input.data.token)) : null;
    if (!kioskId) {
      await this.limits.authFailed('enrollment', address);
      if (!input.success) throw new InvalidRequestError(input.error.issues.map((i) => i.message).join('; '));
      throw new NotFoundError('This enrollment link is unknown, used or expired; ask an operator for a new one');
    }
    const issued = this.credentials.issue(kioskId, this.clock.now());
    // Enrolling an id again replaces its credential: a kiosk that held the old one is out.
    const replaced = await this.kiosks.get(kioskId);
    await this.kiosks.save(issued.record);
    if (replaced) this.push.disconnectKiosk(kioskId);
    this.push.kiosksChanged();
    this.logger.log({ kioskId, credentialId: issued.record.credentialId }, 'kiosk enrolled');
    return { kioskId, credential: issued.value };
  }

  async list(): Promise<KioskView[]> {
    const all = await this.kiosks.list();
    return all.map(toKioskView).sort((a, b) => a.kioskId.localeCompare(b.kioskId));
  }

  /** Refuses the kiosk from now on, closes its connections and ends the sessions it started. */
  async revoke(body: unknown): Promise<{ kioskId: string; sessionsEnded: number }> {
    const { kioskId } = parse(kioskIdBody, body);
    if (!(await this.kiosks.remove(kioskId))) throw new NotFoundError('No such enrolled kiosk');
    this.push.disconnectKiosk(kioskId);
    this.push.kiosksChanged();
    const sessionsEnded = await this.sessions.endAllOf(kioskId);
    this.logger.log({ kioskId, sessionsEnded }, 'kiosk revoked');
    return { kioskId, sessionsEnded };
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const input = schema.safeParse(body);
  if (!input.success) throw new InvalidRequestError(input.error.issues.map((i) => i.message).join('; '));
  return input.data;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
