import { describe, expect, it } from 'vitest';
import type { KioskConfig } from './config';
import { initialState, MESSAGES, NOTICES, step, type KioskState } from './kiosk';
import { parseProvider } from './provider';
import type { SessionView } from './session';
import { codeMustBeTyped } from './view';

const T0 = Date.parse('2030-01-01T12:00:00.000Z');
const cfg: KioskConfig = { kioskId: 'lobby-1', idleMs: 120_000, returnMs: 15_000, expiryGraceMs: 3_000 };
const iso = (ms: number) => new Date(ms).toISOString();

function view(over: Partial<SessionView> = {}): SessionView {
  return {
    id: 'sess-1',
    kioskId: 'lobby-1',
    status: 'pending',
    userCode: 'FJ7C3QL8S',
    verificationUri: 'https://microsoft.com/devicelogin',
    verificationUriComplete: 'https://microsoft.com/devicelogin',
    qrUrl: '/api/sessions/sess-1/qr.svg',
    interval: 5,
    expiresAt: iso(T0 + 900_000),
    createdAt: iso(T0),
    updatedAt: iso(T0),
    profile: null,
    error: null,
    ...over,
  };
}

function signedIn(): KioskState {
  let s = step(initialState(T0), { type: 'connected' }, T0, cfg).state;
  s = step(s, { type: 'start' }, T0, cfg).state;
  s = step(s, { type: 'created', session: view() }, T0, cfg).state;
  const profile = { displayName: 'Megan Bowen', emails: [], avatar: null, title: null, department: null };
  return step(
    s,
    { type: 'update', session: view({ status: 'authorized', profile, updatedAt: iso(T0 + 10_000) }) },
    T0 + 10_000,
    cfg,
  ).state;
}

describe('parseProvider (GET /api/provider)', () => {
  it('reads the kind and the name', () => {
    expect(parseProvider({ kind: 'oidc', name: ' Contoso ' })).toEqual({ kind: 'oidc', name: 'Contoso' });
    expect(parseProvider({ kind: 'webex', name: 'Webex' })).toEqual({ kind: 'webex', name: 'Webex' });
  });

  it.each([null, 'Webex', { kind: 'saml', name: 'X' }, { kind: 'oidc', name: '  ' }, { kind: 'oidc', name: 7 }])(
    'refuses %j',
    (body) => {
      expect(parseProvider(body)).toBeNull();
    },
  );

  it('keeps a very long name to 64 characters', () => {
    expect(parseProvider({ kind: 'oidc', name: 'x'.repeat(500) })?.name).toHaveLength(64);
  });
});

describe('a code to type (no complete verification URI)', () => {
  it('is recognised when the complete URI is the plain one, or missing', () => {
    expect(codeMustBeTyped(view())).toBe(true);
    expect(codeMustBeTyped(view({ verificationUriComplete: '' }))).toBe(true);
    expect(codeMustBeTyped(view({ verificationUriComplete: 'https://example.okta.com/activate?user_code=MKDQWNFZ' }))).toBe(
      false,
    );
  });
});

describe('a sign-in that ends because the provider gave no refresh token', () => {
  it('returns a signed-in kiosk to idle with a plain notice, not an "expired code" error', () => {
    const s = signedIn();
    expect(s.screen).toBe('signed-in');
    const ended = view({
      status: 'expired',
      updatedAt: iso(T0 + 60_000),
      error: { code: 'session_expired', message: 'The sign-in ended when its access token expired; please sign in again.' },
    });
    const next = step(s, { type: 'update', session: ended }, T0 + 60_000, cfg);
    expect(next.state).toMatchObject({ screen: 'idle', session: null, notice: NOTICES.sessionEnded });
    expect(next.effects).toEqual([{ type: 'unwatch', id: 'sess-1' }]);
  });

  it('still shows an expired code as such while signing in', () => {
    let s = step(initialState(T0), { type: 'connected' }, T0, cfg).state;
    s = step(s, { type: 'start' }, T0, cfg).state;
    s = step(s, { type: 'created', session: view() }, T0, cfg).state;
    const expired = view({ status: 'expired', updatedAt: iso(T0 + 1000), error: { code: 'expired_token', message: 'm' } });
    expect(step(s, { type: 'update', session: expired }, T0 + 1000, cfg).state).toMatchObject({
      screen: 'expired',
      message: MESSAGES.expired,
    });
  });
});
