import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { INVALID_ACCESS_TOKEN_MESSAGE } from './webex-error';
import { expectWebexError, makeTestSim, peopleMe, refresh, signIn } from './simulator.spec-kit';

function setUp(settings = {}) {
  const t = makeTestSim(settings);
  return { t, http: request(t.sim.app) };
}

describe('POST /v1/access_token (refresh)', () => {
  it('rotates the refresh token by default; the old one then answers invalid_grant', async () => {
    const { t, http } = setUp();
    const first = await signIn(http, t);
    const res = await refresh(http, first.refreshToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 1_209_600, refresh_token_expires_in: 7_776_000 });
    const body = res.body as { access_token: string; refresh_token: string };
    expect(body.refresh_token).not.toBe(first.refreshToken);
    expect(body.access_token).not.toBe(first.accessToken);
    expectWebexError(await refresh(http, first.refreshToken), 400, 'invalid_grant');
    expect((await refresh(http, body.refresh_token)).status).toBe(200);
    expect(t.sim.stats()).toMatchObject({ refreshes: 2, refreshFailures: 1 });
  });

  it('answers the same refresh token when rotation is off', async () => {
    const { t, http } = setUp({ rotateRefreshToken: false });
    const first = await signIn(http, t);
    const res = await refresh(http, first.refreshToken);
    expect((res.body as { refresh_token: string }).refresh_token).toBe(first.refreshToken);
    expect((await refresh(http, first.refreshToken)).status).toBe(200);
  });

  it('keeps earlier access tokens valid until their own expiry, as Webex does', async () => {
    const { t, http } = setUp({ accessTokenTtlS: 60 });
    const first = await signIn(http, t);
    t.clock.advanceS(30);
    const next = (await refresh(http, first.refreshToken)).body as { access_token: string };
    expect((await peopleMe(http, first.accessToken)).status).toBe(200);
    t.clock.advanceS(30);
    expect((await peopleMe(http, first.accessToken)).status).toBe(401);
    expect((await peopleMe(http, next.access_token)).status).toBe(200);
  });

  it('answers invalid_grant to an expired refresh token', async () => {
    const { t, http } = setUp({ refreshTokenTtlS: 100 });
    const first = await signIn(http, t);
    t.clock.advanceS(100);
    expectWebexError(await refresh(http, first.refreshToken), 400, 'invalid_grant');
  });

  it('answers 401 to wrong client credentials and 400 to other grant types', async () => {
    const { t, http } = setUp();
    const first = await signIn(http, t);
    expectWebexError(await refresh(http, first.refreshToken, 'wrong-secret'), 401, 'invalid_client');
    const res = await http.post('/v1/access_token').type('form').send({
      grant_type: 'password',
      client_id: 'sim-client-id',
      client_secret: 'sim-client-secret',
      refresh_token: first.refreshToken,
    });
    expectWebexError(res, 400, 'unsupported_grant_type');
    expectWebexError(await refresh(http, 'made-up'), 400, 'invalid_grant');
  });
});

describe('GET /v1/people/me', () => {
  it('answers a Webex-shaped person for a live access token', async () => {
    const { t, http } = setUp();
    const { accessToken } = await signIn(http, t, 'Ada Lovelace');
    const res = await peopleMe(http, accessToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      emails: ['ada.lovelace@example.com'],
      phoneNumbers: [],
      displayName: 'Ada Lovelace',
      nickName: 'Ada',
      firstName: 'Ada',
      lastName: 'Lovelace',
      avatar: 'http://kiosk.test/sim/avatar.svg?initials=AL',
      orgId: expect.any(String),
      created: expect.any(String),
      lastModified: expect.any(String),
      type: 'person',
    });
  });

  it('gives the same person the same id on every sign-in', async () => {
    const { t, http } = setUp();
    const first = await signIn(http, t, 'Ada Lovelace');
    const second = await signIn(http, t, 'Ada Lovelace');
    const other = await signIn(http, t, 'Alan Turing');
    const idOf = async (token: string) => ((await peopleMe(http, token)).body as { id: string }).id;
    expect(await idOf(first.accessToken)).toBe(await idOf(second.accessToken));
    expect(await idOf(first.accessToken)).not.toBe(await idOf(other.accessToken));
  });

  it('answers 401 with Webex wording to a missing, unknown or expired token', async () => {
    const { t, http } = setUp({ accessTokenTtlS: 10 });
    const { accessToken } = await signIn(http, t);
    expectWebexError(await http.get('/v1/people/me'), 401, INVALID_ACCESS_TOKEN_MESSAGE);
    expectWebexError(await peopleMe(http, 'nope'), 401, INVALID_ACCESS_TOKEN_MESSAGE);
    t.clock.advanceS(10);
    expectWebexError(await peopleMe(http, accessToken), 401, INVALID_ACCESS_TOKEN_MESSAGE);
  });
});

describe('POST /_sim/revoke', () => {
  it('kills the refresh token and every access token of that sign-in', async () => {
    const { t, http } = setUp();
    const a = await signIn(http, t, 'Ada Lovelace');
    const b = await signIn(http, t, 'Alan Turing');
    const second = (await refresh(http, a.refreshToken)).body as { access_token: string; refresh_token: string };
    const res = await http.post('/_sim/revoke').send({ userCode: a.userCode });
    expect(res.status).toBe(200);
    expectWebexError(await refresh(http, second.refresh_token), 400, 'invalid_grant');
    expect((await peopleMe(http, a.accessToken)).status).toBe(401);
    expect((await peopleMe(http, second.access_token)).status).toBe(401);
    // Another sign-in is untouched.
    expect((await peopleMe(http, b.accessToken)).status).toBe(200);
    expect((await http.post('/_sim/revoke').send({ userCode: a.userCode })).status).toBe(404);
    expect(t.sim.stats().revocations).toBe(1);
  });
});
