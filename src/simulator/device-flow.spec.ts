import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  authorize,
  basicAuth,
  DEVICE_GRANT,
  expectWebexError,
  makeTestSim,
  poll,
  PUBLIC_BASE,
  SCOPES,
} from './simulator.spec-kit';
import { USER_CODE_ALPHABET } from './sim-random';

function setUp(settings = {}) {
  const t = makeTestSim(settings);
  return { ...t, http: request(t.sim.app) };
}

describe('POST /v1/device/authorize', () => {
  it('answers a device code, a readable user code and verification URIs', async () => {
    const { http } = setUp();
    const { body, userCode, deviceCode } = await authorize(http);
    expect(body).toEqual({
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: `${PUBLIC_BASE}/verify`,
      verification_uri_complete: `${PUBLIC_BASE}/verify?userCode=${userCode}`,
      expires_in: 300,
      interval: 2,
    });
    expect(userCode).toMatch(new RegExp(`^[${USER_CODE_ALPHABET}]{8}$`));
    expect(userCode).not.toMatch(/[01OI]/);
    expect(deviceCode.length).toBeGreaterThanOrEqual(43);
  });

  it('leaves out interval when told to', async () => {
    const { http } = setUp({ omitInterval: true });
    const { body } = await authorize(http);
    expect(body).not.toHaveProperty('interval');
  });

  it('refuses an unknown client_id with a Webex error', async () => {
    const { http } = setUp();
    const res = await http.post('/v1/device/authorize').type('form').send({ client_id: 'nope', scope: SCOPES });
    expectWebexError(res, 400, 'invalid_client');
  });
});

describe('POST /v1/device/token: the pending phase', () => {
  it('answers HTTP 428 authorization_pending while nobody has approved', async () => {
    const { http, clock } = setUp();
    const { deviceCode } = await authorize(http);
    clock.advanceS(2);
    expectWebexError(await poll(http, deviceCode), 428, 'authorization_pending');
  });

  it('answers slow_down (400) to an early poll and grows the interval by 5 s each time', async () => {
    const { http, clock, sim } = setUp();
    const { deviceCode, userCode } = await authorize(http);
    clock.advanceS(1);
    expectWebexError(await poll(http, deviceCode), 400, 'slow_down');
    expect(sim.session(userCode)?.interval).toBe(7);

    clock.advanceS(6); // 6 s < 7 s
    expectWebexError(await poll(http, deviceCode), 400, 'slow_down');
    expect(sim.session(userCode)?.interval).toBe(12);

    clock.advanceS(12);
    expectWebexError(await poll(http, deviceCode), 428, 'authorization_pending');
    expect(sim.session(userCode)?.interval).toBe(12);
  });

  it('measures the first poll from the authorize answer, and the RFC default 5 s when interval is omitted', async () => {
    const { http, clock } = setUp({ omitInterval: true });
    const { deviceCode } = await authorize(http);
    clock.advanceS(4);
    expectWebexError(await poll(http, deviceCode), 400, 'slow_down');
  });

  it('counts early polls but answers them normally when enforcement is off', async () => {
    const { http, clock, sim } = setUp({ enforceInterval: false });
    const { deviceCode } = await authorize(http);
    clock.advance(500);
    expectWebexError(await poll(http, deviceCode), 428, 'authorization_pending');
    expect(sim.stats().earlyPolls).toBe(1);
    expect(sim.polls()[0]).toMatchObject({ early: true, outcome: 'pending', status: 428 });
  });

  it('answers expired_token once the lifetime has passed', async () => {
    const { http, clock, sim } = setUp({ expiresInS: 10 });
    const { deviceCode, userCode } = await authorize(http);
    clock.advanceS(10);
    expectWebexError(await poll(http, deviceCode), 400, 'expired_token');
    expect(sim.session(userCode)?.state).toBe('expired');
    expect(sim.approve(userCode)).toBe(false);
  });
});

describe('POST /v1/device/token: the end of the flow', () => {
  it('answers access_denied after a denial', async () => {
    const { http, clock, sim } = setUp();
    const { deviceCode, userCode } = await authorize(http);
    expect(sim.deny(userCode)).toBe(true);
    clock.advanceS(2);
    expectWebexError(await poll(http, deviceCode), 400, 'access_denied');
  });

  it('grants tokens once, then answers invalid_grant and counts a double redemption', async () => {
    const { http, clock, sim } = setUp();
    const { deviceCode, userCode } = await authorize(http);
    expect(sim.approve(userCode, { displayName: 'Grace Hopper' })).toBe(true);
    clock.advanceS(2);
    const granted = await poll(http, deviceCode);
    expect(granted.status).toBe(200);
    expect(granted.body).toEqual({
      access_token: expect.any(String),
      expires_in: 1_209_600,
      refresh_token: expect.any(String),
      refresh_token_expires_in: 7_776_000,
      token_type: 'Bearer',
      scope: SCOPES,
    });
    clock.advanceS(2);
    expectWebexError(await poll(http, deviceCode), 400, 'invalid_grant');
    expect(sim.stats()).toMatchObject({ grants: 1, doubleRedemptions: 1, afterTerminal: 1 });
    expect(sim.session(userCode)?.state).toBe('redeemed');
  });

  it('accepts user codes as people type them', async () => {
    const { http, sim } = setUp();
    const { userCode } = await authorize(http);
    const typed = `${userCode.slice(0, 4).toLowerCase()}-${userCode.slice(4)}`;
    expect(sim.approve(typed)).toBe(true);
    expect(sim.approve(userCode)).toBe(false);
  });

  it('answers invalid_grant to an unknown device code', async () => {
    const { http } = setUp();
    expectWebexError(await poll(http, 'not-a-device-code'), 400, 'invalid_grant');
  });
});

describe('POST /v1/device/token: client authentication and grant type', () => {
  it('answers 401 without Basic auth, with a wrong secret, or a mismatched client_id', async () => {
    const { http, clock } = setUp();
    const { deviceCode } = await authorize(http);
    clock.advanceS(2);
    const bare = await http
      .post('/v1/device/token')
      .type('form')
      .send({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'sim-client-id' });
    expectWebexError(bare, 401, 'invalid_client');
    clock.advanceS(2);
    expectWebexError(await poll(http, deviceCode, basicAuth('sim-client-id', 'wrong')), 401, 'invalid_client');
    clock.advanceS(2);
    const mismatch = await http
      .post('/v1/device/token')
      .set('Authorization', basicAuth())
      .type('form')
      .send({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'other' });
    expectWebexError(mismatch, 401, 'invalid_client');
  });

  it('insists on form encoding, even when a parent app already parsed a JSON body', async () => {
    const { http, clock } = setUp();
    const { deviceCode } = await authorize(http);
    clock.advanceS(2);
    const json = { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'sim-client-id' };
    const res = await http.post('/v1/device/token').set('Authorization', basicAuth()).send(json);
    expectWebexError(res, 400, 'invalid_request');

    const t = makeTestSim();
    const parent = express();
    parent.use(express.json());
    parent.use('/sim', t.sim.app);
    const mounted = await request(parent).post('/sim/v1/device/authorize').send({ client_id: 'sim-client-id', scope: SCOPES });
    expectWebexError(mounted, 400, 'invalid_request');
  });

  it('answers unsupported_grant_type to anything but the device grant', async () => {
    const { http, clock } = setUp();
    const { deviceCode } = await authorize(http);
    clock.advanceS(2);
    const res = await http
      .post('/v1/device/token')
      .set('Authorization', basicAuth())
      .type('form')
      .send({ grant_type: 'authorization_code', device_code: deviceCode });
    expectWebexError(res, 400, 'unsupported_grant_type');
  });
});

describe('poll records', () => {
  it('records each poll with arrival time, status, outcome and pacing', async () => {
    const { http, clock, sim } = setUp();
    const { deviceCode, userCode } = await authorize(http);
    const start = clock.now();
    clock.advanceS(2);
    await poll(http, deviceCode);
    clock.advanceS(1);
    await poll(http, deviceCode); // early → slow_down, interval 7
    clock.advanceS(7);
    sim.approve(userCode);
    await poll(http, deviceCode);
    expect(sim.polls()).toEqual([
      { userCode, at: start + 2000, status: 428, outcome: 'pending', early: false, afterTerminal: false, intervalS: 2 },
      { userCode, at: start + 3000, status: 400, outcome: 'slow_down', early: true, afterTerminal: false, intervalS: 2 },
      { userCode, at: start + 10000, status: 200, outcome: 'granted', early: false, afterTerminal: false, intervalS: 7 },
    ]);
    const stats = sim.stats();
    expect(stats).toMatchObject({ authorizations: 1, polls: 3, earlyPolls: 1, afterTerminal: 0 });
    expect(stats.pollsByOutcome).toMatchObject({ pending: 1, slow_down: 1, granted: 1, expired: 0 });
    expect(sim.session(userCode)).toMatchObject({ pollCount: 3, interval: 7, state: 'redeemed' });
  });

  it('counts polls after a denial was answered as afterTerminal', async () => {
    const { http, clock, sim } = setUp();
    const { deviceCode, userCode } = await authorize(http);
    sim.deny(userCode);
    clock.advanceS(2);
    await poll(http, deviceCode);
    clock.advanceS(2);
    expectWebexError(await poll(http, deviceCode), 400, 'access_denied');
    expect(sim.polls().map((p) => p.afterTerminal)).toEqual([false, true]);
    expect(sim.stats().afterTerminal).toBe(1);
  });

  it('records unknown device codes with a null user code', async () => {
    const { http, sim } = setUp();
    await poll(http, 'nope');
    expect(sim.polls()).toEqual([
      expect.objectContaining({ userCode: null, status: 400, outcome: 'invalid_grant', intervalS: null }),
    ]);
  });
});
