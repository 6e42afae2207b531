import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { authorize, expectWebexError, makeTestSim, peopleMe, poll, refresh, signIn } from './simulator.spec-kit';

function setUp(settings = {}) {
  const t = makeTestSim(settings);
  return { t, http: request(t.sim.app) };
}

describe('POST /_sim/settings', () => {
  it('applies a valid partial change to the live settings', async () => {
    const { t, http } = setUp();
    const res = await http.post('/_sim/settings').send({ intervalS: 7, omitInterval: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ intervalS: 7, omitInterval: true, expiresInS: 300 });
    expect(t.sim.settings.intervalS).toBe(7);
    expect((await http.get('/_sim/settings')).body).toEqual(t.sim.settings);
  });

  it.each([
    [{ intervalS: 0 }],
    [{ intervalS: 1.5 }],
    [{ intervalS: '5' }],
    [{ enforceInterval: 'yes' }],
    [{ clientId: '' }],
    [{ intervall: 5 }],
  ])('refuses %j with 400 and leaves the settings alone', async (patch) => {
    const { t, http } = setUp();
    const res = await http.post('/_sim/settings').send(patch);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'invalid_body', message: expect.any(String) } });
    expect(t.sim.settings.intervalS).toBe(2);
  });

  it('answers 400 in JSON to a malformed body', async () => {
    const { http } = setUp();
    const res = await http.post('/_sim/settings').set('Content-Type', 'application/json').send('{nope');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'invalid_request' } });
  });
});

describe('POST /_sim/faults', () => {
  it('makes the next polls answer 429 with Retry-After, recorded as rate_limited', async () => {
    const { t, http } = setUp();
    const { deviceCode } = await authorize(http);
    await http.post('/_sim/faults').send({ endpoint: 'token', status: 429, count: 2, retryAfterS: 30 }).expect(200);
    for (let i = 0; i < 2; i += 1) {
      t.clock.advanceS(2);
      const res = await poll(http, deviceCode);
      expectWebexError(res, 429, 'Too Many Requests');
      expect(res.headers['retry-after']).toBe('30');
    }
    t.clock.advanceS(2);
    expect((await poll(http, deviceCode)).status).toBe(428);
    expect(t.sim.polls().map((p) => p.outcome)).toEqual(['rate_limited', 'rate_limited', 'pending']);
    expect(t.sim.stats().faultsInjected).toBe(2);
  });

  it('defaults Retry-After to 1 s for 429, and leaves it out when null', async () => {
    const { http } = setUp();
    await http.post('/_sim/faults').send({ endpoint: 'authorize', status: 429, count: 1 });
    await http.post('/_sim/faults').send({ endpoint: 'authorize', status: 429, count: 1, retryAfterS: null });
    const first = await http.post('/v1/device/authorize').type('form').send({ client_id: 'sim-client-id', scope: 'spark:all' });
    expect(first.headers['retry-after']).toBe('1');
    const second = await http.post('/v1/device/authorize').type('form').send({ client_id: 'sim-client-id', scope: 'spark:all' });
    expect(second.status).toBe(429);
    expect(second.headers).not.toHaveProperty('retry-after');
  });

  it('runs queued faults in order on refresh and people', async () => {
    const { t, http } = setUp();
    const { accessToken, refreshToken } = await signIn(http, t);
    await http.post('/_sim/faults').send({ endpoint: 'refresh', status: 503, count: 1 });
    await http.post('/_sim/faults').send({ endpoint: 'refresh', status: 500, count: 1 });
    await http.post('/_sim/faults').send({ endpoint: 'people', status: 503, count: 1, retryAfterS: 5 });
    expect((await http.get('/_sim/faults')).body).toHaveLength(3);
    expectWebexError(await refresh(http, refreshToken), 503, 'Service Unavailable');
    expectWebexError(await refresh(http, refreshToken), 500, 'Internal Server Error');
    expect((await refresh(http, refreshToken)).status).toBe(200);
    const people = await peopleMe(http, accessToken);
    expect(people.status).toBe(503);
    expect(people.headers['retry-after']).toBe('5');
    expect((await peopleMe(http, accessToken)).status).toBe(200);
  });

  it('records 5xx polls as server_error', async () => {
    const { t, http } = setUp();
    const { deviceCode } = await authorize(http);
    await http.post('/_sim/faults').send({ endpoint: 'token', status: 500, count: 1 });
    t.clock.advanceS(2);
    expect((await poll(http, deviceCode)).status).toBe(500);
    expect(t.sim.polls()[0]).toMatchObject({ status: 500, outcome: 'server_error' });
  });

  it('holds a call for delayMs, then answers normally', async () => {
    const { t, http } = setUp();
    const { deviceCode } = await authorize(http);
    await http.post('/_sim/faults').send({ endpoint: 'token', delayMs: 150, count: 1 });
    t.clock.advanceS(2);
    const started = Date.now();
    const res = await poll(http, deviceCode);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(428);
  });

  it('drops a held poll whose client gave up, so an approval is not consumed unseen', async () => {
    const { t, http } = setUp();
    const { deviceCode, userCode } = await authorize(http);
    t.sim.approve(userCode);
    await http.post('/_sim/faults').send({ endpoint: 'token', delayMs: 300, count: 1 });
    t.clock.advanceS(2);
    await expect(poll(http, deviceCode).timeout(50)).rejects.toThrow(/timeout/i);
    await waitFor(() => t.sim.polls().length === 1);
    expect(t.sim.polls()[0]).toMatchObject({ status: 0, outcome: 'abandoned' });
    t.clock.advanceS(2);
    expect((await poll(http, deviceCode)).status).toBe(200);
  });

  it.each([
    [{ endpoint: 'nope', status: 500, count: 1 }],
    [{ endpoint: 'token', status: 404, count: 1 }],
    [{ endpoint: 'token', status: 500, count: 0 }],
    [{ endpoint: 'token', delayMs: -1, count: 1 }],
  ])('refuses %j with 400', async (fault) => {
    const { http } = setUp();
    expect((await http.post('/_sim/faults').send(fault)).status).toBe(400);
  });
});

describe('control actions', () => {
  it('approves with a name and email that /people/me then shows', async () => {
    const { t, http } = setUp();
    const { deviceCode, userCode } = await authorize(http);
    const res = await http.post('/_sim/approve').send({ userCode, displayName: 'Katherine Johnson', email: 'kj@nasa.test' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, session: { userCode, state: 'approved', displayName: 'Katherine Johnson' } });
    expect(t.logLines).toEqual([`Webex simulator: ${userCode} approved as Katherine Johnson`]);
    t.clock.advanceS(2);
    const tokens = (await poll(http, deviceCode)).body as { access_token: string };
    const me = await peopleMe(http, tokens.access_token);
    expect(me.body).toMatchObject({ displayName: 'Katherine Johnson', emails: ['kj@nasa.test'] });
  });

  it('answers 404 for unknown codes and 409 for codes no longer pending', async () => {
    const { http } = setUp();
    const { userCode } = await authorize(http);
    expect((await http.post('/_sim/approve').send({ userCode: 'ZZZZZZZZ' })).status).toBe(404);
    expect((await http.post('/_sim/deny').send({ userCode })).status).toBe(200);
    expect((await http.post('/_sim/approve').send({ userCode })).status).toBe(409);
    expect((await http.post('/_sim/approve').send({})).status).toBe(400);
  });

  it('forces a code expired', async () => {
    const { t, http } = setUp();
    const { deviceCode, userCode } = await authorize(http);
    expect((await http.post('/_sim/expire').send({ userCode })).status).toBe(200);
    t.clock.advanceS(2);
    expectWebexError(await poll(http, deviceCode), 400, 'expired_token');
    expect((await http.get(`/_sim/sessions/${userCode}`)).body).toMatchObject({ state: 'expired' });
  });

  it('reports one session, polls filtered by code, and stats', async () => {
    const { t, http } = setUp();
    const a = await authorize(http);
    const b = await authorize(http);
    t.clock.advanceS(2);
    await poll(http, a.deviceCode);
    await poll(http, b.deviceCode);
    const session = await http.get(`/_sim/sessions/${a.userCode}`);
    expect(session.body).toEqual({
      userCode: a.userCode,
      state: 'pending',
      interval: 2,
      pollCount: 1,
      createdAt: expect.any(Number),
      expiresAt: expect.any(Number),
      lastPollAt: t.clock.now(),
      displayName: null,
    });
    expect(JSON.stringify(session.body)).not.toContain(a.deviceCode);
    expect((await http.get(`/_sim/polls?userCode=${b.userCode}`)).body).toHaveLength(1);
    expect((await http.get('/_sim/polls')).body).toHaveLength(2);
    expect((await http.get('/_sim/stats')).body).toMatchObject({ authorizations: 2, polls: 2, liveSessions: 2 });
    expect((await http.get('/_sim/sessions/ZZZZZZZZ')).status).toBe(404);
  });

  it('resets state, faults, counts and settings', async () => {
    const { t, http } = setUp({ intervalS: 3 });
    const { userCode } = await authorize(http);
    await http.post('/_sim/settings').send({ intervalS: 9 });
    await http.post('/_sim/faults').send({ endpoint: 'token', status: 500, count: 5 });
    expect((await http.post('/_sim/reset')).status).toBe(200);
    expect(t.sim.settings.intervalS).toBe(3);
    expect(t.sim.stats().authorizations).toBe(0);
    expect(t.sim.session(userCode)).toBeNull();
    expect((await http.get('/_sim/faults')).body).toEqual([]);
  });

  it('answers unknown routes in the right dialect', async () => {
    const { http } = setUp();
    expect((await http.get('/_sim/nope')).body).toMatchObject({ error: { code: 'not_found' } });
    expectWebexError(await http.get('/v1/nope'), 404, 'The requested resource could not be found.');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('POST /_sim/slow-down', () => {
  it('answers the next pending polls slow_down and grows the interval by 5 s each time', async () => {
    const { t, http } = setUp();
    const { deviceCode, userCode } = await authorize(http);
    await http.post('/_sim/slow-down').send({ userCode, count: 2 }).expect(200);
    t.clock.advanceS(2);
    expectWebexError(await poll(http, deviceCode), 400, 'slow_down');
    t.clock.advanceS(7);
    expectWebexError(await poll(http, deviceCode), 400, 'slow_down');
    t.clock.advanceS(12);
    expect((await poll(http, deviceCode)).status).toBe(428);
    expect(t.sim.session(userCode)?.interval).toBe(12);
    expect(t.sim.stats().earlyPolls).toBe(0);
  });

  it('answers 404 for an unknown code', async () => {
    const { http } = setUp();
    expect((await http.post('/_sim/slow-down').send({ userCode: 'NOPE1234' })).status).toBe(404);
  });
});

describe('GET /_sim/secrets/:userCode', () => {
  it('lists the device code and every token a sign-in produced, refreshes included', async () => {
    const { t, http } = setUp();
    const first = await signIn(http, t);
    const refreshed = (await refresh(http, first.refreshToken)).body as { access_token: string; refresh_token: string };
    const res = await http.get(`/_sim/secrets/${first.userCode}`).expect(200);
    const body = res.body as { deviceCode: string; tokens: string[] };
    expect(body.deviceCode).toEqual(expect.any(String));
    expect(body.tokens).toEqual(
      expect.arrayContaining([first.accessToken, first.refreshToken, refreshed.access_token, refreshed.refresh_token]),
    );
  });
});

describe('GET /_sim/refreshes', () => {
  it('records each refresh with its sign-in, and refusals without one', async () => {
    const { t, http } = setUp();
    const first = await signIn(http, t);
    t.clock.advanceS(10);
    await refresh(http, first.refreshToken);
    await refresh(http, 'never-issued');
    const res = await http.get('/_sim/refreshes').expect(200);
    expect(res.body).toEqual([
      { userCode: first.userCode, at: t.clock.now(), outcome: 'ok' },
      { userCode: null, at: t.clock.now(), outcome: 'invalid_grant' },
    ]);
  });
});
