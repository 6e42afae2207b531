import { SessionView } from './session';
import { FleetTrends } from './trends';
import { UpstreamReport } from './upstream';

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
/** How long a process gathers session changes before it pushes them to the fleet view together. */
export const FLEET_BATCH_MS = 250;

export interface FleetServerEvents {
  /**
   * Sessions created or changed anywhere in the fleet, gathered for up to `FLEET_BATCH_MS` by each
   * process (each session once, its newest view): one message per batch rather than one per change.
   */
  'fleet:sessions': (views: SessionView[]) => void;
  /** A kiosk was enrolled or revoked: the fleet view reloads its list (`fleet:kiosks`). */
  'fleet:kiosks-changed': () => void;
  /** A call to the identity provider failed: its status and the last failures (issue #13.7). */
  'fleet:upstream': (report: UpstreamReport) => void;
  /** Every few seconds from each API process to its own fleet sockets: the charts' data and the provider's status. */
  'fleet:stats': (stats: FleetStats) => void;
}

/** The fleet view's charts and provider status (`fleet:stats`, pushed and on request). */
export interface FleetStats {
  generatedAt: string;
  trends: FleetTrends;
  upstream: UpstreamReport;
}

export function sessionRoom(id: string): string {
  return `session:${id}`;
}
