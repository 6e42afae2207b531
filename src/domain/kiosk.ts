/**
 * Kiosk identity (issue #12). An operator enrolls a kiosk id; the kiosk then holds a credential
 * (an HttpOnly cookie) naming that id. With `KIOSK_ENROLLMENT=required`, a session belongs to the
 * kiosk whose credential created it.
 */

/** A kiosk that proved who it is with a valid, unrevoked credential. */
export interface KioskIdentity {
  kioskId: string;
  credentialId: string;
}

/** Who is asking, as every kiosk-facing call sees it. */
export interface Caller {
  /** The client address (honouring TRUST_PROXY), for per-address limits. */
  address: string;
  /** Null when no valid credential came with the request (only possible with enrollment `open`). */
  kiosk: KioskIdentity | null;
}

/** What is stored per enrolled kiosk: never the credential, only a hash of its secret part. */
export interface KioskRecord {
  kioskId: string;
  credentialId: string;
  secretHash: string;
  enrolledAt: number;
}

/** The operators' view of an enrolled kiosk. */
export interface KioskView {
  kioskId: string;
  credentialId: string;
  enrolledAt: string;
}

export interface EnrollmentLink {
  kioskId: string;
  /** `<PUBLIC_URL>/enroll#<token>`: the token rides in the fragment, which browsers never send or log. */
  url: string;
  /** The link as a QR code (SVG markup), for a kiosk with a camera or a phone at hand. */
  qrSvg: string;
  expiresAt: string;
}

export function toKioskView(record: KioskRecord): KioskView {
  return { kioskId: record.kioskId, credentialId: record.credentialId, enrolledAt: new Date(record.enrolledAt).toISOString() };
}

/** Room of every Socket.IO connection of one enrolled kiosk: revocation disconnects them all. */
export function kioskRoom(kioskId: string): string {
  return `kiosk:${kioskId}`;
}
