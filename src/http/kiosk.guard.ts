import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { KioskAccessService } from '../services/kiosk-access.service';
import { KioskCredentialService, CREDENTIAL_MAX_AGE_S } from '../services/kiosk-credential.service';
import { addressOf, context } from './request-context';

/**
 * Kiosk-facing routes: resolves who is calling from the credential cookie. With enrollment
 * `required` a caller without a valid credential is refused here (403 `kiosk_not_enrolled`),
 * before any session is looked up, so a refusal says nothing about any session.
 */
@Injectable()
export class KioskGuard implements CanActivate {
  constructor(private readonly access: KioskAccessService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const resolved = await this.access.resolve(addressOf(req), req.headers.cookie);
    context(req).caller = resolved.caller;
    context(req).credential = resolved.credential;
    return true;
  }
}

/** Sets the kiosk credential cookie: HttpOnly, SameSite=Strict, Secure (and `__Host-`) on https. */
export function setCredentialCookie(res: Response, credentials: KioskCredentialService, value: string): void {
  res.cookie(credentials.cookieName, value, {
    httpOnly: true,
    sameSite: 'strict',
    secure: credentials.secure,
    path: '/',
    maxAge: CREDENTIAL_MAX_AGE_S * 1000,
  });
}
