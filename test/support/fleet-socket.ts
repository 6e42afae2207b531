import { io, Socket } from 'socket.io-client';
import type { SessionView } from '../../src/domain/session';

export interface FleetSnapshotReply {
  sessions: SessionView[];
  counts: Record<string, number>;
}

/** The fleet view's socket, as the operator's page opens it: a ticket from the Basic-guarded route, then `/admin`. */
export async function openFleetSocket(apiUrl: string, authorization: string): Promise<Socket> {
  const res = await fetch(`${apiUrl}/admin/kiosks/ticket`, { headers: { authorization } });
  if (!res.ok) throw new Error(`fleet ticket: HTTP ${res.status}`);
  const { ticket } = (await res.json()) as { ticket: string };
  const socket = io(`${apiUrl}/admin`, { transports: ['websocket'], auth: { ticket }, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

export async function fleetSnapshot(socket: Socket): Promise<FleetSnapshotReply> {
  return (await socket.timeout(5_000).emitWithAck('fleet:snapshot')) as FleetSnapshotReply;
}
