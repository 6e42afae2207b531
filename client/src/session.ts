/**
 * The contract's SessionView and Socket.IO acknowledgement, and the parsers that turn whatever
 * arrives over HTTP or Socket.IO (`unknown`) into them. Nothing past this edge sees unparsed data.
 * Hand-written rather than a schema library: the kiosk bundle stays one dependency (socket.io-client).
 */

export const SESSION_STATUSES = ['pending', 'authorized', 'expired', 'denied', 'cancelled', 'signed_out', 'failed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** The part of the signed-in person's profile the kiosk shows. */
export interface Profile {
  displayName: string;
  emails: string[];
  avatar: string | null;
  title: string | null;
  department: string | null;
}

export interface ErrorBody {
  code: string;
  message: string;
}

export interface SessionView {
  id: string;
  kioskId: string | null;
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
  error: ErrorBody | null;
}

export type WatchAck = { ok: true; session: SessionView } | { ok: false; error: ErrorBody };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** Only web addresses: an avatar is fetched by the browser, so no `data:`/`javascript:` or odd schemes. */
function imageUrl(v: unknown): string | null {
  const s = text(v);
  return s !== null && /^(https?:\/\/|\/)/i.test(s) ? s : null;
}

export function parseErrorBody(v: unknown): ErrorBody | null {
  if (!isObj(v)) return null;
  const code = str(v.code);
  if (code === null) return null;
  return { code, message: str(v.message) ?? code };
}

/** The contract's `/api` error answer: `{"error": {"code", "message"}}`. */
export function parseApiError(v: unknown): ErrorBody | null {
  return isObj(v) ? parseErrorBody(v.error) : null;
}

function parseProfile(v: unknown): Profile | null {
  if (!isObj(v)) return null;
  const emails = Array.isArray(v.emails) ? v.emails.filter((e): e is string => typeof e === 'string') : [];
  return {
    displayName: text(v.displayName) ?? emails[0] ?? 'Signed-in user',
    emails,
    avatar: imageUrl(v.avatar),
    title: text(v.title),
    department: text(v.department),
  };
}

function isStatus(v: unknown): v is SessionStatus {
  return typeof v === 'string' && (SESSION_STATUSES as readonly string[]).includes(v);
}

/** `null` when the payload is not a usable SessionView. */
export function parseSessionView(v: unknown): SessionView | null {
  if (!isObj(v)) return null;
  const id = text(v.id);
  const expiresAt = str(v.expiresAt);
  const updatedAt = str(v.updatedAt);
  if (id === null || !isStatus(v.status) || expiresAt === null || updatedAt === null) return null;
  return {
    id,
    kioskId: str(v.kioskId),
    status: v.status,
    userCode: str(v.userCode) ?? '',
    verificationUri: str(v.verificationUri) ?? '',
    verificationUriComplete: str(v.verificationUriComplete) ?? '',
    qrUrl: str(v.qrUrl) ?? `/api/sessions/${encodeURIComponent(id)}/qr.svg`,
    interval: typeof v.interval === 'number' ? v.interval : 5,
    expiresAt,
    createdAt: str(v.createdAt) ?? updatedAt,
    updatedAt,
    profile: parseProfile(v.profile),
    error: parseErrorBody(v.error),
  };
}

export function parseWatchAck(v: unknown): WatchAck | null {
  if (!isObj(v)) return null;
  if (v.ok === true) {
    const session = parseSessionView(v.session);
    return session ? { ok: true, session } : null;
  }
  if (v.ok === false) {
    return { ok: false, error: parseErrorBody(v.error) ?? { code: 'unknown', message: 'Unknown error' } };
  }
  return null;
}
