import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { InvalidRequestError, NotFoundError } from '../domain/errors';
import { Caller } from '../domain/kiosk';
import { SessionView } from '../domain/session';
import { ClockRepository } from '../repositories/clock.repository';
import { KioskRepository } from '../repositories/kiosk.repository';
import { LimitsService } from './limits.service';
import { createSessionSchema, SessionService } from './session.service';

/** Webex refresh tokens live 90 days: no session of a kiosk outlives that without signing in again. */
const SIGNED_IN_AT_MOST_MS = 90 * 24 * 3600 * 1000;

/**
 * Sessions as a kiosk may use them (issue #12): whose they are, and how many. With
 * `KIOSK_ENROLLMENT=required` a session belongs to the enrolled kiosk that started it and any other
 * caller is told it does not exist (404 / `not_found`, never whether it does); the kiosk id comes
 * from the credential, never from the body. Limits are checked before Webex is asked for anything.
 */
@Injectable()
export class KioskSessionService {
  private readonly enrollmentRequired: boolean;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly sessions: SessionService,
    private readonly kiosks: KioskRepository,
    private readonly limits: LimitsService,
    private readonly clock: ClockRepository,
  ) {
    this.enrollmentRequired = config.security.kioskEnrollment === 'required';
  }

  /** Whether a session is its kiosk's alone (`KIOSK_ENROLLMENT=required`), so that others are told it does not exist. */
  get ownedByKiosks(): boolean {
    return this.enrollmentRequired;
  }

  async create(body: unknown, caller: Caller): Promise<SessionView> {
    const input = createSessionSchema.safeParse(body ?? {});
    if (!input.success) throw new InvalidRequestError(input.error.issues.map((i) => i.message).join('; '));
    const kioskId = caller.kiosk?.kioskId ?? input.data.kioskId ?? null;
    const slot = pendingSlot(caller, kioskId);
    let replaced: string | null = null;
    let claimed: string | null = null;
    const admit = async (id: string) => {
      ({ replaced } = await this.limits.admitSignIn(caller.address, slot, id));
      if (slot !== null) claimed = id;
    };
    let view: SessionView;
    try {
      view = await this.sessions.create(kioskId === null ? {} : { kioskId }, admit, (v) => this.kioskWrites(v, slot, caller));
    } catch (err) {
      // Admitted but not started (the provider refused, say): the slot goes back to the one it replaced.
      if (slot !== null && claimed !== null) await this.limits.giveBackSlot(slot, claimed, replaced);
      throw err;
    }
    // The one it replaces is cancelled (and pushed) once the new one has started.
    if (replaced !== null && replaced !== view.id) await this.sessions.end(replaced, 'pending-only').catch(ignoreNotFound);
    return view;
  }

  async get(id: string, caller: Caller): Promise<SessionView> {
    const view = await this.sessions.get(id);
    if (!this.mayAccess(view, caller)) throw notFound();
    return view;
  }

  async end(id: string, caller: Caller): Promise<SessionView> {
    await this.get(id, caller);
    const view = await this.sessions.end(id);
    if (caller.kiosk) await this.kiosks.forgetSession(caller.kiosk.kioskId, id);
    return view;
  }

  async qrSvg(id: string, caller: Caller): Promise<string> {
    await this.get(id, caller);
    return this.sessions.qrSvg(id);
  }

  /** An operator revoked the kiosk: what it started ends (pending cancelled, signed-in signed out). */
  async endAllOf(kioskId: string): Promise<number> {
    let ended = 0;
    for (const id of await this.kiosks.takeSessions(kioskId)) {
      const view = await this.sessions.end(id).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      });
      if (view && (view.status === 'cancelled' || view.status === 'signed_out')) ended++;
    }
    return ended;
  }

  /**
   * At most one pending sign-in per kiosk: the new one took the slot when it was admitted, and the
   * one it replaced is cancelled once it has started, so a kiosk cannot pile up pollers against the
   * Webex rate limit. The slot is kept while the new one's code lives, and an enrolled kiosk
   * remembers the session (for revocation), both sent with the session's own writes.
   */
  private async kioskWrites(view: SessionView, slot: string | null, caller: Caller): Promise<void> {
    const now = this.clock.now();
    await Promise.all([
      caller.kiosk ? this.kiosks.rememberSession(caller.kiosk.kioskId, view.id, now, SIGNED_IN_AT_MOST_MS) : null,
      // The slot needs the sign-in while its code lives: once the code expired it is no longer pending.
      slot === null ? null : this.kiosks.holdSlot(slot, Date.parse(view.expiresAt) - now),
    ]);
  }

  private mayAccess(view: SessionView, caller: Caller): boolean {
    if (!this.enrollmentRequired) return true;
    return caller.kiosk !== null && view.kioskId === caller.kiosk.kioskId;
  }
}

/**
 * Whose pending sign-in a new one replaces. An enrolled kiosk is itself; an unenrolled claim of a
 * kiosk id counts only together with the caller's address, so nobody elsewhere can cancel a
 * kiosk's sign-in (or spend its budget) by naming it. Unnamed sign-ins have no slot.
 */
export function pendingSlot(caller: Caller, kioskId: string | null): string | null {
  if (caller.kiosk) return `kiosk:${caller.kiosk.kioskId}`;
  return kioskId === null ? null : `open:${kioskId}@${caller.address}`;
}

function notFound(): NotFoundError {
  return new NotFoundError('No such session');
}

function ignoreNotFound(err: unknown): null {
  if (err instanceof NotFoundError) return null;
  throw err;
}
