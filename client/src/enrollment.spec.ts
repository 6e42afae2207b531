import { describe, expect, it } from 'vitest';
import type { KioskConfig } from './config';
import { initialState, MESSAGES, step, type KioskEvent, type KioskState } from './kiosk';
import type { SessionView } from './session';

const T0 = Date.parse('2030-01-01T12:00:00.000Z');
const cfg: KioskConfig = { kioskId: 'lobby-1', idleMs: 120_000, returnMs: 15_000, expiryGraceMs: 3_000 };

const pending: SessionView = {
  id: 'sess-1',
  kioskId: 'lobby-1',
  status: 'pending',
  userCode: '123-456',
  verificationUri: 'https://example.test/verify',
  verificationUriComplete: 'https://example.test/verify?code=123-456',
  qrUrl: '/api/sessions/sess-1/qr.svg',
  interval: 2,
  expiresAt: new Date(T0 + 300_000).toISOString(),
  createdAt: new Date(T0).toISOString(),
  updatedAt: new Date(T0).toISOString(),
  profile: null,
  error: null,
};

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

/** The kiosk page under `KIOSK_ENROLLMENT=required` (issue #12). */
describe('a kiosk that is not enrolled', () => {
  it('says so when the service refuses the connection, and stays there', () => {
    const { state } = run([
      [T0, { type: 'not-enrolled' }],
      [T0 + 60 * 60_000, { type: 'tick' }],
    ]);
    expect(state).toMatchObject({ screen: 'not-enrolled', message: MESSAGES.notEnrolled });
  });

  it('says so when starting a sign-in is refused', () => {
    const { state } = run([
      [T0, { type: 'start' }],
      [T0 + 100, { type: 'create-failed', reason: 'not-enrolled' }],
    ]);
    expect(state.screen).toBe('not-enrolled');
  });

  it('drops the session on screen when revoked meanwhile (a watch refused as not enrolled)', () => {
    const { state, effects } = run([
      [T0, { type: 'connected' }],
      [T0, { type: 'start' }],
      [T0 + 100, { type: 'created', session: pending }],
      [T0 + 200, { type: 'ack', id: 'sess-1', ack: { ok: false, error: { code: 'kiosk_not_enrolled', message: 'x' } } }],
    ]);
    expect(state).toMatchObject({ screen: 'not-enrolled', session: null });
    expect(effects).toContainEqual({ type: 'unwatch', id: 'sess-1' });
  });

  it('returns to the start screen once a connection succeeds (enrolled since)', () => {
    const { state } = run([
      [T0, { type: 'not-enrolled' }],
      [T0 + 1000, { type: 'connected' }],
    ]);
    expect(state).toMatchObject({ screen: 'idle', online: true });
  });

  it('tells a refused start from a busy service', () => {
    const { state } = run([
      [T0, { type: 'start' }],
      [T0 + 100, { type: 'create-failed', reason: 'busy' }],
    ]);
    expect(state).toMatchObject({ screen: 'error', message: MESSAGES.busy });
  });
});
