import { PollState } from '../device-flow/poll-rules';

export const SESSION_STATUSES = ['pending', 'authorized', 'expired', 'denied', 'cancelled', 'signed_out', 'failed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const KIOSK_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface SessionError {
  code: string;
  message: string;
}

/**
 * The signed-in person, and nothing more (least data): Webex's `/people/me` and OpenID userinfo
 * are both reduced to exactly these fields at the provider's edge.
 */
export interface Profile {
  id: string;
  displayName: string;
  emails: string[];
  avatar: string | null;
  orgId: string | null;
}

/** Which provider a session signs in with (`kind` for code, `name` for people). */
export interface SessionProvider {
  kind: 'webex' | 'oidc';
  name: string;
}

/** Sessions stored before providers were configurable were all Webex sessions. */
export const WEBEX: SessionProvider = { kind: 'webex', name: 'Webex' };

/**
 * What is stored about a session, minus its secrets (the device code and the tokens are kept
 * encrypted in separate fields; see `session.repository.ts`).
 */
export interface SessionRecord {
  id: string;
  kioskId: string | null;
  /** Absent on sessions stored by earlier versions (all Webex). */
  provider?: SessionProvider;
  status: SessionStatus;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  /** Polling progress, including the current interval. */
  poll: PollState;
  /** 'polling' until a token arrives, then 'profile' until `/people/me` answered. */
  stage: 'polling' | 'profile';
  createdAt: number;
  updatedAt: number;
  profile: Profile | null;
  error: SessionError | null;
  /** When the token answer arrived (epoch ms); measures push latency and bounds the profile stage. */
  grantedAt: number | null;
  /** Token lifetimes (epoch ms) of the current access token; never the tokens themselves. */
  accessIssuedAt: number | null;
  accessExpiresAt: number | null;
  refreshExpiresAt: number | null;
}

/** The public shape of a session: HTTP answers, acks and pushes. Never carries secrets. */
export interface SessionView {
  id: string;
  kioskId: string | null;
  provider: SessionProvider;
  status: SessionStatus;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  qrUrl: string;
  interval: number;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  profile: Profile | null;
  error: SessionError | null;
}

export function toView(record: SessionRecord): SessionView {
  return {
    id: record.id,
    kioskId: record.kioskId,
    provider: record.provider ?? WEBEX,
    status: record.status,
    userCode: record.userCode,
    verificationUri: record.verificationUri,
    verificationUriComplete: record.verificationUriComplete,
    qrUrl: `/api/sessions/${encodeURIComponent(record.id)}/qr.svg`,
    interval: record.poll.intervalS,
    expiresAt: new Date(record.poll.expiresAt).toISOString(),
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    profile: record.profile && leastProfile(record.profile),
    error: record.error,
  };
}

/** Sessions stored by earlier versions kept all of `/people/me`; a view never shows more than `Profile`. */
function leastProfile(p: Profile): Profile {
  return { id: p.id, displayName: p.displayName, emails: p.emails ?? [], avatar: p.avatar ?? null, orgId: p.orgId ?? null };
}

/** How long a finished session stays readable, so a kiosk that reconnects still sees the outcome. */
export const FINISHED_RETENTION_MS = 60 * 60 * 1000;

/** Statuses a session never leaves. */
export function isFinal(status: SessionStatus): boolean {
  return status !== 'pending' && status !== 'authorized';
}

/** Until when (epoch ms) a session can still be used: its code while pending, its tokens once authorized. */
export function usableUntil(record: SessionRecord): number {
  if (record.status === 'pending') return record.poll.expiresAt;
  if (record.status === 'authorized') return record.refreshExpiresAt ?? record.accessExpiresAt ?? record.updatedAt;
  return record.updatedAt;
}

/** When a session's Redis keys may go: once it can no longer be used, plus the retention above. */
export function retentionMs(record: SessionRecord, now: number): number {
  return Math.max(usableUntil(record) - now, 0) + FINISHED_RETENTION_MS;
}
