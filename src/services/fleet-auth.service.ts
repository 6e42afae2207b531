import { createHash, createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { constantTimeEquals } from '../repositories/crypto.repository';

const TOKEN_TTL_MS = 10 * 60_000;

/**
 * Browsers cannot put HTTP Basic credentials on a WebSocket handshake, so the fleet page (itself
 * behind Basic auth) fetches a short-lived signed ticket and presents it to the `/admin`
 * namespace. The signing key derives from the dashboard credentials, so every process agrees
 * without extra configuration, and changing the password revokes all tickets.
 */
@Injectable()
export class FleetAuthService {
  private readonly key: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = createHash('sha256').update(`fleet-ticket\0${config.dashboard.user}\0${config.dashboard.password}`).digest();
  }

  issue(now = Date.now()): { ticket: string; expiresAt: string } {
    const expires = now + TOKEN_TTL_MS;
    return { ticket: `${expires}.${this.sign(String(expires))}`, expiresAt: new Date(expires).toISOString() };
  }

  verify(ticket: unknown, now = Date.now()): boolean {
    if (typeof ticket !== 'string') return false;
    const [expires, signature] = ticket.split('.');
    if (!expires || !signature || !/^\d+$/.test(expires) || Number(expires) < now) return false;
    return constantTimeEquals(signature, this.sign(expires));
  }

  private sign(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('base64url');
  }
}
