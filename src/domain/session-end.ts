import { SessionRecord, SessionStatus } from './session';

/** While someone is signing in or signed in; every other status is an end. */
export function isLive(status: SessionStatus): boolean {
  return status === 'pending' || status === 'authorized';
}

/**
 * Least data (issue #12): the person's profile is kept only while they are signed in. Every
 * transition passes its new record through here (see `SessionStore.transition`), so a session that
 * became signed_out, expired, denied, cancelled or failed holds `profile: null` in Redis, in its
 * view and in the push that announces the end.
 */
export function wipeProfileIfEnded(record: SessionRecord): SessionRecord {
  return isLive(record.status) || record.profile === null ? record : { ...record, profile: null };
}
