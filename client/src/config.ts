/** What the kiosk page reads from its own address (`/?kiosk=<id>&idle=<seconds>`). Pure. */

export interface KioskConfig {
  /** `null` when absent or invalid: the session is then created without a kiosk id. */
  kioskId: string | null;
  /** Sign out after this long without pointer, keyboard or touch activity. */
  idleMs: number;
  /** Denied / expired / failed / error screens return to idle on their own after this long. */
  returnMs: number;
  /**
   * How long past `expiresAt` the kiosk waits for the server's own `expired` before giving up
   * locally (e.g. while offline). Leaves room for an approval that lands in the last second.
   */
  expiryGraceMs: number;
}

/** The contract's kioskId pattern (POST /api/sessions). */
export const KIOSK_ID = /^[A-Za-z0-9._-]{1,64}$/;

export const DEFAULTS = {
  idleMs: 2 * 60_000,
  returnMs: 15_000,
  expiryGraceMs: 3_000,
} as const;

const MAX_IDLE_SECONDS = 24 * 60 * 60;

export function parseConfig(search: string): KioskConfig {
  const q = new URLSearchParams(search);
  const kiosk = q.get('kiosk');
  const idle = Number(q.get('idle') ?? NaN);
  const idleOk = Number.isFinite(idle) && idle > 0 && idle <= MAX_IDLE_SECONDS;
  return {
    kioskId: kiosk !== null && KIOSK_ID.test(kiosk) ? kiosk : null,
    idleMs: idleOk ? Math.round(idle * 1000) : DEFAULTS.idleMs,
    returnMs: DEFAULTS.returnMs,
    expiryGraceMs: DEFAULTS.expiryGraceMs,
  };
}
