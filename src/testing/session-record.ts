import { SessionRecord, SessionStatus } from '../domain/session';

/** A Webex sign-in on `lobby-1`, created now with a 2 s interval, in `status`: for specs and tests. */
export function sessionRecord(id: string, status: SessionStatus = 'pending', now = Date.now()): SessionRecord {
  return {
    id,
    kioskId: 'lobby-1',
    provider: { kind: 'webex', name: 'Webex' },
    status,
    stage: 'polling',
    userCode: 'ABCD2345',
    verificationUri: 'https://example.test/verify',
    verificationUriComplete: 'https://example.test/verify?userCode=ABCD2345',
    poll: { intervalS: 2, expiresAt: now + 300_000, nextPollAt: now + 2_000, lastPollAt: now, failures: 0 },
    createdAt: now,
    updatedAt: now,
    profile: null,
    error: null,
    grantedAt: null,
    accessIssuedAt: null,
    accessExpiresAt: null,
    refreshExpiresAt: null,
  };
}
