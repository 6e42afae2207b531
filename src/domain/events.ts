import { SessionView } from './session';

/** Socket.IO event maps: the push surface of the contract, typed end to end. */
export interface KioskServerEvents {
  'session:update': (view: SessionView) => void;
}

export interface KioskClientEvents {
  'session:watch': (payload: unknown, ack?: (answer: WatchAck) => void) => void;
  'session:unwatch': (payload: unknown) => void;
}

export type WatchAck = { ok: true; session: SessionView } | { ok: false; error: { code: string; message: string } };

/** The operators' namespace: every change of every session. */
export const FLEET_NAMESPACE = '/admin';
export const FLEET_ROOM = 'fleet';

export interface FleetServerEvents {
  'fleet:session': (view: SessionView) => void;
  /** A kiosk was enrolled or revoked: the fleet view reloads its list (`fleet:kiosks`). */
  'fleet:kiosks-changed': () => void;
}

export function sessionRoom(id: string): string {
  return `session:${id}`;
}
