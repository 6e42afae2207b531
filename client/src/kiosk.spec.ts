import { describe, expect, it } from 'vitest';
import { parseConfig, type KioskConfig } from './config';
import { initialState, MESSAGES, needsClock, NOTICES, remaining, step, type KioskEvent, type KioskState } from './kiosk';
import { parseSessionView, parseWatchAck, type SessionStatus, type SessionView } from './session';

const T0 = Date.parse('2030-01-01T12:00:00.000Z');
const cfg: KioskConfig = { kioskId: 'lobby-1', idleMs: 120_000, returnMs: 15_000, expiryGraceMs: 3_000 };
const iso = (ms: number) => new Date(ms).toISOString();

function view(status: SessionStatus, over: Partial<SessionView> = {}): SessionView {
  return {
    id: 'sess-1',
    kioskId: 'lobby-1',
    status,
    userCode: '123-456',
    verificationUri: 'https://example.test/verify',
    verificationUriComplete: 'https://example.test/verify?code=123-456',
    qrUrl: '/api/sessions/sess-1/qr.svg',
    interval: 2,
    expiresAt: iso(T0 + 300_000),
    createdAt: iso(T0),
    updatedAt: iso(T0),
    profile:
      status === 'authorized'
        ? { displayName: 'Ada Lovelace', emails: ['ada@example.test'], avatar: null, title: null, department: null }
        : null,
    error: null,
    ...over,
  };
}

/** Feeds events in order at the given times; returns the final state and every effect. */
function run(events: [number, KioskEvent][], from: KioskState = initialState(T0)) {
  let state = from;
  const effects = [];
  for (const [at, e] of events) {
    const r = step(state, e, at, cfg);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}

/** A kiosk showing the QR code for sess-1 (created at T0 on a clock in step with the server). */
const signingIn = () =>
  run([
    [T0, { type: 'connected' }],
    [T0, { type: 'start' }],
    [T0, { type: 'created', session: view('pending') }],
  ]).state;
const signedIn = (at = T0 + 10_000) =>
  step(signingIn(), { type: 'update', session: view('authorized', { updatedAt: iso(at) }) }, at, cfg).state;

describe('starting a sign-in', () => {
  it('creates nothing until someone presses the button (RFC 8628 §3.1)', () => {
    const s = initialState(T0);
    expect(s.screen).toBe('idle');
    for (const e of [{ type: 'connected' }, { type: 'tick' }, { type: 'activity' }] as KioskEvent[]) {
      expect(step(s, e, T0, cfg).effects).not.toContainEqual({ type: 'create' });
    }
    const r = step(s, { type: 'start' }, T0, cfg);
    expect(r.effects).toEqual([{ type: 'create' }]);
    expect(r.state).toMatchObject({ screen: 'idle', busy: true });
  });

  it('ignores a second press while the first is in flight', () => {
    const { effects } = run([
      [T0, { type: 'start' }],
      [T0, { type: 'start' }],
    ]);
    expect(effects).toEqual([{ type: 'create' }]);
  });

  it('shows the code and watches the new session', () => {
    const { state, effects } = run([
      [T0, { type: 'start' }],
      [T0, { type: 'created', session: view('pending') }],
    ]);
    expect(state.screen).toBe('signing-in');
    expect(state.session?.userCode).toBe('123-456');
    expect(effects).toContainEqual({ type: 'watch', id: 'sess-1' });
  });

  it('shows the error screen when the session cannot be created, and retries on demand', () => {
    const failed = run([
      [T0, { type: 'start' }],
      [T0, { type: 'create-failed', reason: 'upstream' }],
    ]).state;
    expect(failed).toMatchObject({ screen: 'error', message: MESSAGES.upstream, busy: false });
    expect(step(failed, { type: 'start' }, T0 + 1000, cfg).effects).toEqual([{ type: 'create' }]);
  });

  it('cleans up a session nobody is waiting for any more', () => {
    const { effects } = run([[T0, { type: 'created', session: view('pending') }]]);
    expect(effects).toEqual([{ type: 'delete', id: 'sess-1' }]);
  });
});

describe('session:update → screen', () => {
  it.each([
    ['authorized', 'signed-in'],
    ['denied', 'denied'],
    ['expired', 'expired'],
    ['failed', 'failed'],
    ['cancelled', 'idle'],
    ['signed_out', 'idle'],
  ] as const)('%s → %s', (status, screen) => {
    const r = step(signingIn(), { type: 'update', session: view(status, { updatedAt: iso(T0 + 5000) }) }, T0 + 5000, cfg);
    expect(r.state.screen).toBe(screen);
    if (screen !== 'signed-in') expect(r.effects).toContainEqual({ type: 'unwatch', id: 'sess-1' });
  });

  it('shows the profile when authorized', () => {
    expect(signedIn().session?.profile?.displayName).toBe('Ada Lovelace');
  });

  it('gives terminal screens a message', () => {
    for (const status of ['denied', 'expired', 'failed'] as const) {
      const s = step(signingIn(), { type: 'update', session: view(status, { updatedAt: iso(T0 + 1) }) }, T0 + 1, cfg).state;
      expect(s.message).toBe(MESSAGES[status]);
    }
  });

  it('ignores updates about other sessions', () => {
    const s = signingIn();
    const r = step(s, { type: 'update', session: view('authorized', { id: 'other' }) }, T0 + 1, cfg);
    expect(r.state).toBe(s);
  });

  it('ignores an update older than what is on screen', () => {
    const s = signedIn(T0 + 10_000);
    const stale = step(s, { type: 'update', session: view('pending', { updatedAt: iso(T0 + 20_000) }) }, T0 + 20_000, cfg);
    expect(stale.state.screen).toBe('signed-in');
    const older = step(
      s,
      { type: 'update', session: view('authorized', { updatedAt: iso(T0 + 1), profile: null }) },
      T0 + 20_000,
      cfg,
    );
    expect(older.state).toBe(s);
  });

  it('stays on a terminal screen whatever arrives late', () => {
    const denied = step(signingIn(), { type: 'update', session: view('denied', { updatedAt: iso(T0 + 1) }) }, T0 + 1, cfg).state;
    expect(step(denied, { type: 'update', session: view('authorized', { updatedAt: iso(T0 + 2) }) }, T0 + 2, cfg).state).toBe(
      denied,
    );
  });
});

describe('reconnecting', () => {
  it('watches the current session again on every connect', () => {
    const s = step(signingIn(), { type: 'disconnected' }, T0 + 1, cfg).state;
    expect(s.online).toBe(false);
    const r = step(s, { type: 'connected' }, T0 + 2, cfg);
    expect(r.state.online).toBe(true);
    expect(r.effects).toEqual([{ type: 'watch', id: 'sess-1' }]);
  });

  it('watches nothing when idle', () => {
    expect(step(initialState(T0), { type: 'connected' }, T0, cfg).effects).toEqual([]);
  });

  it('takes the state from the ack (approved while offline)', () => {
    const ack = { ok: true as const, session: view('authorized', { updatedAt: iso(T0 + 9000) }) };
    const s = step(signingIn(), { type: 'ack', id: 'sess-1', ack }, T0 + 9000, cfg).state;
    expect(s.screen).toBe('signed-in');
  });

  it('returns to idle when the server no longer knows the session', () => {
    const ack = { ok: false as const, error: { code: 'not_found', message: 'gone' } };
    for (const s of [signingIn(), signedIn()]) {
      const r = step(s, { type: 'ack', id: 'sess-1', ack }, T0 + 20_000, cfg);
      expect(r.state).toMatchObject({ screen: 'idle', session: null });
    }
  });

  it('keeps the screen on other ack errors and acks for other sessions', () => {
    const s = signingIn();
    const internal = { ok: false as const, error: { code: 'internal', message: 'oops' } };
    expect(step(s, { type: 'ack', id: 'sess-1', ack: internal }, T0, cfg).state).toBe(s);
    const notFound = { ok: false as const, error: { code: 'not_found', message: 'gone' } };
    expect(step(s, { type: 'ack', id: 'old', ack: notFound }, T0, cfg).state).toBe(s);
  });
});

describe('leaving', () => {
  it('Cancel deletes the pending session and returns to idle', () => {
    const r = step(signingIn(), { type: 'cancel' }, T0 + 1000, cfg);
    expect(r.state).toMatchObject({ screen: 'idle', session: null, notice: NOTICES.cancelled });
    expect(r.effects).toEqual([
      { type: 'unwatch', id: 'sess-1' },
      { type: 'delete', id: 'sess-1' },
    ]);
  });

  it('Sign out deletes the session and returns to idle', () => {
    const r = step(signedIn(), { type: 'sign-out' }, T0 + 20_000, cfg);
    expect(r.state).toMatchObject({ screen: 'idle', session: null, notice: NOTICES.signedOut });
    expect(r.effects).toContainEqual({ type: 'delete', id: 'sess-1' });
  });

  it('signs an idle person out after the idle timeout, not before', () => {
    const s = signedIn(T0 + 10_000);
    expect(step(s, { type: 'tick' }, T0 + 10_000 + cfg.idleMs - 1, cfg).state.screen).toBe('signed-in');
    const r = step(s, { type: 'tick' }, T0 + 10_000 + cfg.idleMs, cfg);
    expect(r.state).toMatchObject({ screen: 'idle', notice: NOTICES.idle });
    expect(r.effects).toContainEqual({ type: 'delete', id: 'sess-1' });
  });

  it('activity postpones the idle sign-out', () => {
    const { state } = run(
      [
        [T0 + 100_000, { type: 'activity' }],
        [T0 + 10_000 + cfg.idleMs, { type: 'tick' }],
      ],
      signedIn(T0 + 10_000),
    );
    expect(state.screen).toBe('signed-in');
    expect(remaining(state, T0 + 100_000, cfg)).toBe(cfg.idleMs);
  });

  it('gives up on the code past expiresAt even without word from the server', () => {
    const s = step(signingIn(), { type: 'disconnected' }, T0, cfg).state;
    const expiry = T0 + 300_000 + cfg.expiryGraceMs;
    expect(step(s, { type: 'tick' }, expiry - 1, cfg).state.screen).toBe('signing-in');
    const r = step(s, { type: 'tick' }, expiry, cfg);
    expect(r.state.screen).toBe('expired');
    expect(r.effects).toContainEqual({ type: 'delete', id: 'sess-1' });
  });

  it('counts down on the server clock when the kiosk clock is off', () => {
    const skew = 3_600_000; // kiosk an hour ahead
    const { state } = run([
      [T0 + skew, { type: 'start' }],
      [T0 + skew, { type: 'created', session: view('pending') }],
    ]);
    expect(remaining(state, T0 + skew, cfg)).toBe(300_000);
    expect(step(state, { type: 'tick' }, T0 + skew + 1000, cfg).state.screen).toBe('signing-in');
  });

  it.each(['denied', 'expired', 'failed'] as const)('%s returns to idle by itself, or at once on Try again', (status) => {
    const s = step(signingIn(), { type: 'update', session: view(status, { updatedAt: iso(T0 + 1) }) }, T0 + 1, cfg).state;
    expect(needsClock(s)).toBe(true);
    expect(step(s, { type: 'tick' }, T0 + 1 + cfg.returnMs - 1, cfg).state.screen).toBe(status);
    expect(step(s, { type: 'tick' }, T0 + 1 + cfg.returnMs, cfg).state.screen).toBe('idle');
    expect(step(s, { type: 'start' }, T0 + 2, cfg).effects).toEqual([{ type: 'create' }]);
  });

  it('stops the clock once idle and the notice is gone', () => {
    const idle = step(signingIn(), { type: 'cancel' }, T0, cfg).state;
    expect(needsClock(idle)).toBe(true);
    const quiet = step(idle, { type: 'tick' }, T0 + cfg.returnMs, cfg).state;
    expect(quiet).toMatchObject({ screen: 'idle', notice: '' });
    expect(needsClock(quiet)).toBe(false);
  });
});

describe('parsing', () => {
  it('reads kiosk id and idle timeout from the address', () => {
    expect(parseConfig('?kiosk=lobby-1.a_b&idle=5')).toMatchObject({ kioskId: 'lobby-1.a_b', idleMs: 5000 });
    expect(parseConfig('?kiosk=bad%20id&idle=-3')).toMatchObject({ kioskId: null, idleMs: 120_000 });
    expect(parseConfig(`?kiosk=${'a'.repeat(65)}&idle=abc`)).toMatchObject({ kioskId: null, idleMs: 120_000 });
    expect(parseConfig('')).toMatchObject({ kioskId: null, idleMs: 120_000 });
  });

  it('accepts a contract SessionView and rejects junk', () => {
    const raw = JSON.parse(JSON.stringify(view('authorized'))) as unknown;
    expect(parseSessionView(raw)?.profile?.displayName).toBe('Ada Lovelace');
    expect(parseSessionView({ id: 'x', status: 'weird', expiresAt: 'a', updatedAt: 'b' })).toBeNull();
    expect(parseSessionView('nope')).toBeNull();
    const js = parseSessionView({
      ...view('authorized'),
      profile: { displayName: 'X', emails: [], avatar: 'javascript:alert(1)' },
    });
    expect(js?.profile?.avatar).toBeNull();
    expect(parseWatchAck({ ok: false, error: { code: 'not_found', message: 'm' } })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'm' },
    });
  });
});
