/**
 * The fleet view's data: sessions as pushed over the `/admin` namespace, merged with snapshots.
 * Pure (no DOM), so the merge rules are easy to reason about.
 */
export const STATUSES = ['pending', 'authorized', 'expired', 'denied', 'cancelled', 'signed_out', 'failed'] as const;
export type Status = (typeof STATUSES)[number];
export const BAD: readonly Status[] = ['expired', 'denied', 'failed'];

export interface FleetSession {
  id: string;
  kioskId: string | null;
  status: Status;
  interval: number;
  expiresAt: string;
  updatedAt: string;
  profile: { displayName?: string } | null;
  error: { code: string } | null;
  /** Which provider the person signs in with; absent on sessions stored before providers existed. */
  provider?: { kind: string; name: string };
}

export interface KioskEntry {
  kioskId: string;
  enrolledAt: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Only well-formed sessions get in; anything else from the wire is dropped. */
export function parseSession(v: unknown): FleetSession | null {
  if (!isObj(v) || typeof v.id !== 'string' || typeof v.updatedAt !== 'string') return null;
  if (typeof v.status !== 'string' || !(STATUSES as readonly string[]).includes(v.status)) return null;
  return {
    id: v.id,
    kioskId: typeof v.kioskId === 'string' ? v.kioskId : null,
    status: v.status as Status,
    interval: typeof v.interval === 'number' ? v.interval : 0,
    expiresAt: typeof v.expiresAt === 'string' ? v.expiresAt : v.updatedAt,
    updatedAt: v.updatedAt,
    profile: isObj(v.profile)
      ? { displayName: typeof v.profile.displayName === 'string' ? v.profile.displayName : undefined }
      : null,
    error: isObj(v.error) && typeof v.error.code === 'string' ? { code: v.error.code } : null,
    provider:
      isObj(v.provider) && typeof v.provider.kind === 'string' && typeof v.provider.name === 'string'
        ? { kind: v.provider.kind, name: v.provider.name }
        : undefined,
  };
}

export function parseKiosks(v: unknown): KioskEntry[] | null {
  if (!isObj(v) || !Array.isArray(v.kiosks)) return null;
  return v.kiosks.flatMap((k: unknown) =>
    isObj(k) && typeof k.kioskId === 'string' && typeof k.enrolledAt === 'string'
      ? [{ kioskId: k.kioskId, enrolledAt: k.enrolledAt }]
      : [],
  );
}

/** A snapshot is read from Redis while pushes keep arriving: whichever copy is newer wins. */
export function newer(a: FleetSession, b: FleetSession | undefined): boolean {
  return !b || Date.parse(a.updatedAt) >= Date.parse(b.updatedAt);
}

export function applySnapshot(sessions: Map<string, FleetSession>, snapshot: FleetSession[], generatedAt: string): void {
  const taken = Date.parse(generatedAt);
  for (const [id, s] of sessions) if (Date.parse(s.updatedAt) < taken) sessions.delete(id);
  for (const s of snapshot) if (newer(s, sessions.get(s.id))) sessions.set(s.id, s);
}

/** "1:05" left on a pending code, "—" otherwise. */
export function timeLeft(s: FleetSession, now: number): string {
  if (s.status !== 'pending') return '—';
  const ms = Date.parse(s.expiresAt) - now;
  if (ms <= 0) return '0:00';
  const t = Math.ceil(ms / 1000);
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
}
