/**
 * The kiosk as a pure state machine: (state, event, now) → (state, effects).
 * No DOM, no timers, no I/O — `main.ts` runs the effects and feeds the results back as events,
 * so every rule here (which update wins, when to give up on a code, when to sign out an idle
 * person) is unit-tested with plain numbers for time.
 */
import type { KioskConfig } from './config';
import type { SessionStatus, SessionView, WatchAck } from './session';

export type Screen = 'idle' | 'signing-in' | 'signed-in' | 'denied' | 'expired' | 'failed' | 'error' | 'not-enrolled';
type Terminal = 'denied' | 'expired' | 'failed';

export type CreateFailure = 'upstream' | 'network' | 'busy' | 'other' | 'not-enrolled';

export type KioskEvent =
  /** "Sign in with Webex" or "Try again" pressed. */
  | { type: 'start' }
  | { type: 'created'; session: SessionView }
  | { type: 'create-failed'; reason: CreateFailure }
  | { type: 'update'; session: SessionView }
  | { type: 'ack'; id: string; ack: WatchAck }
  | { type: 'cancel' }
  | { type: 'sign-out' }
  /** Leave a denied / expired / failed / error screen without trying again. */
  | { type: 'reset' }
  | { type: 'connected' }
  /** The service refused this kiosk: `KIOSK_ENROLLMENT=required` and no valid credential (or revoked). */
  | { type: 'not-enrolled' }
  | { type: 'disconnected' }
  /** Pointer, keyboard or touch input anywhere on the page. */
  | { type: 'activity' }
  /** Time passed; sent about twice a second while `needsClock` is true. */
  | { type: 'tick' };

export type Effect =
  { type: 'create' } | { type: 'delete'; id: string } | { type: 'watch'; id: string } | { type: 'unwatch'; id: string };

export interface KioskState {
  screen: Screen;
  /** The session on screen; watched while the screen is signing-in or signed-in. */
  session: SessionView | null;
  /** POST /api/sessions is in flight (the idle screen shows "Starting…"). */
  busy: boolean;
  online: boolean;
  connectedOnce: boolean;
  /** When the current screen (or idle notice) appeared, epoch ms. */
  since: number;
  /** Last pointer/keyboard/touch input while signed in, epoch ms. */
  lastActivity: number;
  /** Local clock minus server clock, measured when the session was created. */
  skewMs: number;
  /** The plain message of a denied / expired / failed / error screen. */
  message: string;
  /** A short note on the idle screen ("You're signed out."), cleared after a while. */
  notice: string;
}

export interface Step {
  state: KioskState;
  effects: Effect[];
}

export const MESSAGES = {
  denied: 'The request was declined on the phone, so nobody was signed in.',
  expired: 'The code ran out before the sign-in was approved.',
  failed: 'Something went wrong while signing in.',
  upstream: 'The sign-in service is not answering right now.',
  network: 'This kiosk cannot reach the sign-in service right now.',
  busy: 'Too many sign-ins are starting right now. Please try again in a moment.',
  other: 'Sign-in could not be started.',
  notEnrolled: 'An operator has to enroll this kiosk before anyone can sign in here.',
} as const;

export const NOTICES = {
  cancelled: 'Sign-in cancelled.',
  signedOut: 'You are signed out.',
  idle: 'You were signed out because the kiosk was left idle.',
  /** The provider gave no refresh token and the access token ran out (error code `session_expired`). */
  sessionEnded: 'Your sign-in has ended. Sign in again to continue.',
} as const;

export function initialState(now: number): KioskState {
  return {
    screen: 'idle',
    session: null,
    busy: false,
    online: false,
    connectedOnce: false,
    since: now,
    lastActivity: now,
    skewMs: 0,
    message: '',
    notice: '',
  };
}

/**
 * Refused as not enrolled: whatever was on screen is gone (the service will not serve it to this
 * kiosk any more), and the screen stays until a connection succeeds again.
 */
function notEnrolled(s: KioskState, now: number): Step {
  const id = isLive(s.screen) ? s.session?.id : undefined;
  return {
    state: { ...s, screen: 'not-enrolled', session: null, busy: false, since: now, message: MESSAGES.notEnrolled, notice: '' },
    effects: id ? [{ type: 'unwatch', id }] : [],
  };
}

/** Compile-time check that a switch covers every case. */
const exhaustive = <T>(_unhandled: never, fallback: T): T => fallback;

const isLive = (s: Screen): s is 'signing-in' | 'signed-in' => s === 'signing-in' || s === 'signed-in';
const isTerminal = (s: Screen): s is Terminal => s === 'denied' || s === 'expired' || s === 'failed';

/** Status order: a session never goes back from authorized to pending, nor out of a final state. */
const RANK: Record<SessionStatus, number> = {
  pending: 0,
  authorized: 1,
  expired: 2,
  denied: 2,
  cancelled: 2,
  signed_out: 2,
  failed: 2,
};

/** Socket.IO may deliver an ack and an update out of order; the older one must not win. */
function isStale(cur: SessionView, next: SessionView): boolean {
  const age = Date.parse(next.updatedAt) - Date.parse(cur.updatedAt);
  return RANK[next.status] < RANK[cur.status] || age < 0;
}

/** When the code stops working, on the local clock. */
export function deadline(s: KioskState): number {
  return s.session ? Date.parse(s.session.expiresAt) + s.skewMs : NaN;
}

/** Whether `main.ts` should keep its (single) clock running. */
export function needsClock(s: KioskState): boolean {
  return s.screen !== 'idle' || s.notice !== '';
}

/** What the view shows as counting down, in ms (never negative), or null. */
export function remaining(s: KioskState, now: number, cfg: KioskConfig): number | null {
  let left: number;
  if (s.screen === 'signing-in') left = deadline(s) - now;
  else if (s.screen === 'signed-in') left = s.lastActivity + cfg.idleMs - now;
  else if (s.screen !== 'idle') left = s.since + cfg.returnMs - now;
  else return null;
  return Number.isFinite(left) ? Math.max(0, left) : null;
}

function toIdle(s: KioskState, now: number, notice: string, effects: Effect[]): Step {
  return {
    state: { ...s, screen: 'idle', session: null, busy: false, message: '', notice, since: now },
    effects,
  };
}

/** Leave a live session on the kiosk's initiative: stop watching, and cancel / sign out on the server. */
function leave(s: KioskState, now: number, notice: string): Step {
  const id = s.session?.id;
  return toIdle(
    s,
    now,
    notice,
    id
      ? [
          { type: 'unwatch', id },
          { type: 'delete', id },
        ]
      : [],
  );
}

function toTerminal(s: KioskState, now: number, screen: Terminal, session: SessionView): KioskState {
  return { ...s, screen, session, busy: false, since: now, message: MESSAGES[screen], notice: '' };
}

/** Show what the server says a session is now. */
function applySession(s: KioskState, v: SessionView, now: number): Step {
  switch (v.status) {
    case 'pending':
    case 'authorized': {
      const screen = v.status === 'pending' ? 'signing-in' : 'signed-in';
      const entering = screen !== s.screen;
      const state: KioskState = {
        ...s,
        screen,
        session: v,
        busy: false,
        notice: '',
        since: entering ? now : s.since,
        lastActivity: entering ? now : s.lastActivity,
      };
      return { state, effects: [] };
    }
    case 'expired':
      // A signed-in person whose sign-in ran out is signed out, not shown an "expired code" error.
      if (v.error?.code === 'session_expired') return toIdle(s, now, NOTICES.sessionEnded, [{ type: 'unwatch', id: v.id }]);
      return { state: toTerminal(s, now, v.status, v), effects: [{ type: 'unwatch', id: v.id }] };
    case 'denied':
    case 'failed':
      return { state: toTerminal(s, now, v.status, v), effects: [{ type: 'unwatch', id: v.id }] };
    case 'cancelled':
      return toIdle(s, now, NOTICES.cancelled, [{ type: 'unwatch', id: v.id }]);
    case 'signed_out':
      return toIdle(s, now, NOTICES.signedOut, [{ type: 'unwatch', id: v.id }]);
    default:
      return exhaustive(v.status, { state: s, effects: [] });
  }
}

/** An update or ack about the session on screen, unless it is about another one or older. */
function applyIfCurrent(s: KioskState, v: SessionView, now: number): Step {
  const cur = s.session;
  if (!isLive(s.screen) || cur === null || cur.id !== v.id || isStale(cur, v)) return { state: s, effects: [] };
  return applySession(s, v, now);
}

function onCreated(s: KioskState, v: SessionView, now: number): Step {
  // Nobody is waiting for this session any more: don't leave it running on the server.
  if (s.screen !== 'idle' || !s.busy) return { state: s, effects: [{ type: 'delete', id: v.id }] };
  const serverNow = Date.parse(v.updatedAt);
  const skewMs = Number.isFinite(serverNow) ? now - serverNow : 0;
  const step = applySession({ ...s, skewMs }, v, now);
  return isLive(step.state.screen) ? { ...step, effects: [{ type: 'watch', id: v.id }] } : step;
}

function onTick(s: KioskState, now: number, cfg: KioskConfig): Step {
  const same = { state: s, effects: [] };
  switch (s.screen) {
    case 'signing-in': {
      // RFC 8628 §3.2 expires_in: past it the code is useless, even if the server's word is lost.
      if (s.session === null || now < deadline(s) + cfg.expiryGraceMs) return same;
      const id = s.session.id;
      return {
        state: toTerminal(s, now, 'expired', s.session),
        effects: [
          { type: 'unwatch', id },
          { type: 'delete', id },
        ],
      };
    }
    case 'signed-in':
      return now - s.lastActivity >= cfg.idleMs ? leave(s, now, NOTICES.idle) : same;
    case 'idle':
      return s.notice !== '' && now - s.since >= cfg.returnMs ? { state: { ...s, notice: '' }, effects: [] } : same;
    case 'not-enrolled':
      return same; // stays until the kiosk is enrolled (the next connection succeeds)
    default:
      return now - s.since >= cfg.returnMs ? toIdle(s, now, '', []) : same;
  }
}

export function step(s: KioskState, e: KioskEvent, now: number, cfg: KioskConfig): Step {
  const same: Step = { state: s, effects: [] };
  switch (e.type) {
    case 'start':
      // RFC 8628 §3.1: a device authorization request only when a person asks to sign in.
      if (isLive(s.screen) || s.busy) return same;
      return {
        state: { ...s, screen: 'idle', session: null, busy: true, message: '', notice: '', since: now },
        effects: [{ type: 'create' }],
      };
    case 'created':
      return onCreated(s, e.session, now);
    case 'create-failed':
      if (s.screen !== 'idle' || !s.busy) return same;
      if (e.reason === 'not-enrolled') return notEnrolled(s, now);
      return { state: { ...s, screen: 'error', busy: false, since: now, message: MESSAGES[e.reason] }, effects: [] };
    case 'update':
      return applyIfCurrent(s, e.session, now);
    case 'ack':
      if (!isLive(s.screen) || s.session?.id !== e.id) return same;
      if (e.ack.ok) return applyIfCurrent(s, e.ack.session, now);
      if (e.ack.error.code === 'kiosk_not_enrolled') return notEnrolled(s, now);
      // The server no longer knows the session (e.g. it was purged while we were offline).
      return e.ack.error.code === 'not_found' ? toIdle(s, now, '', []) : same;
    case 'cancel':
      return s.screen === 'signing-in' ? leave(s, now, NOTICES.cancelled) : same;
    case 'sign-out':
      return s.screen === 'signed-in' ? leave(s, now, NOTICES.signedOut) : same;
    case 'reset':
      return isTerminal(s.screen) || s.screen === 'error' ? toIdle(s, now, '', []) : same;
    case 'connected': {
      // Only an enrolled kiosk gets connected: a refusal shown earlier no longer holds.
      if (s.screen === 'not-enrolled')
        return { state: { ...s, screen: 'idle', online: true, connectedOnce: true, since: now, message: '' }, effects: [] };
      const state = { ...s, online: true, connectedOnce: true };
      // A reconnect may have missed updates: watching again answers with the current state.
      const id = s.session?.id;
      return { state, effects: isLive(s.screen) && id ? [{ type: 'watch', id }] : [] };
    }
    case 'disconnected':
      return s.online ? { state: { ...s, online: false }, effects: [] } : same;
    case 'not-enrolled':
      return notEnrolled(s, now);
    case 'activity':
      return s.screen === 'signed-in' ? { state: { ...s, lastActivity: now }, effects: [] } : same;
    case 'tick':
      return onTick(s, now, cfg);
    default:
      return exhaustive(e, same);
  }
}
