import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { authorize, basicAuth, DEVICE_GRANT, makeTestSim, poll } from './simulator.spec-kit';

function setUp() {
  const t = makeTestSim();
  return { t, http: request(t.sim.app) };
}

describe('GET /verify', () => {
  it('asks for the code when the link carries none', async () => {
    const { http } = setUp();
    const res = await http.get('/verify');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('<form method="get" action="verify">');
    expect(res.text).toContain('name="userCode"');
    expect(res.text).toContain('name="viewport"');
    // Self-contained: no external scripts, styles or images.
    expect(res.text).not.toMatch(/<script|<link|src=/);
  });

  it('shows the code, the consent question, a name field and Approve/Deny buttons', async () => {
    const { http } = setUp();
    const { userCode } = await authorize(http);
    const res = await http.get(`/verify?userCode=${userCode}`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('Kiosk Sign-in wants to use your Webex account');
    expect(res.text).toContain(userCode);
    expect(res.text).toContain('<form method="post" action="verify">');
    expect(res.text).toContain('<button type="submit" name="decision" value="approve">Approve</button>');
    expect(res.text).toContain('<button type="submit" name="decision" value="deny">Deny</button>');
    expect(res.text).toMatch(/name="displayName" value="[A-Z][a-z]+ [A-Z][a-z]+"/);
  });

  it('says so when the code is unknown or no longer pending', async () => {
    const { http } = setUp();
    const res = await http.get('/verify?userCode=ZZZZZZZZ');
    expect(res.status).toBe(404);
    expect(res.text).toContain('That code is unknown or expired');
  });
});

describe('POST /verify', () => {
  it('approves with the typed name, which then reaches the kiosk', async () => {
    const { t, http } = setUp();
    const { userCode, deviceCode } = await authorize(http);
    const res = await http.post('/verify').type('form').send({ userCode, displayName: 'Dorothy Vaughan', decision: 'approve' });
    expect(res.status).toBe(200);
    expect(res.text).toContain("You're signed in on the kiosk");
    expect(res.text).toContain('Dorothy Vaughan');
    expect(t.sim.session(userCode)).toMatchObject({ state: 'approved', displayName: 'Dorothy Vaughan' });
    t.clock.advanceS(2);
    expect((await poll(http, deviceCode)).status).toBe(200);
  });

  it('denies', async () => {
    const { t, http } = setUp();
    const { userCode } = await authorize(http);
    const res = await http.post('/verify').type('form').send({ userCode, decision: 'deny' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Declined');
    expect(t.sim.session(userCode)?.state).toBe('denied');
    expect(t.logLines).toEqual([`Webex simulator: ${userCode} denied`]);
  });

  it('refuses a second decision and unknown codes', async () => {
    const { http } = setUp();
    const { userCode } = await authorize(http);
    await http.post('/verify').type('form').send({ userCode, decision: 'approve' });
    const again = await http.post('/verify').type('form').send({ userCode, decision: 'deny' });
    expect(again.status).toBe(404);
    expect(again.text).toContain('That code is unknown or expired');
    const bad = await http.post('/verify').type('form').send({ userCode, decision: 'maybe' });
    expect(bad.status).toBe(400);
  });

  it('escapes what people type', async () => {
    const { http } = setUp();
    const { userCode } = await authorize(http);
    const res = await http
      .post('/verify')
      .type('form')
      .send({ userCode, displayName: '<img src=x onerror=alert(1)>', decision: 'approve' });
    expect(res.text).not.toContain('<img');
    expect(res.text).toContain('&lt;img');
  });
});

describe('mounted under a parent app', () => {
  it('works at /sim behind parsers the parent already ran', async () => {
    const t = makeTestSim();
    const parent = express();
    // Like NestJS: the parent parses bodies first, with qs's extended syntax.
    parent.use(express.json(), express.urlencoded({ extended: true }));
    parent.use('/sim', t.sim.app);
    const http = request(parent);

    const auth = await http
      .post('/sim/v1/device/authorize')
      .type('form')
      .send({ client_id: 'sim-client-id', scope: 'spark:all' });
    const { device_code: deviceCode, user_code: userCode, verification_uri_complete: link } = auth.body as Record<string, string>;
    const page = await http.get(new URL(link ?? '').pathname + new URL(link ?? '').search);
    expect(page.text).toContain(userCode);
    await http.post('/sim/verify').type('form').send({ userCode, decision: 'approve' }).expect(200);
    await http.post('/sim/_sim/settings').send({ enforceInterval: false }).expect(200);
    const res = await http
      .post('/sim/v1/device/token')
      .set('Authorization', basicAuth())
      .type('form')
      .send({ grant_type: DEVICE_GRANT, device_code: deviceCode });
    expect(res.status).toBe(200);
  });
});

describe('GET /avatar.svg', () => {
  it('draws the initials', async () => {
    const { http } = setUp();
    const res = await http.get('/avatar.svg?initials=AL');
    expect(res.type).toBe('image/svg+xml');
    expect(String(res.body)).toContain('>AL</text>');
  });
});
