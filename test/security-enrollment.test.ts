import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { dumpRedis } from './support/redis-dump';
import { call, connectSocket, enrolledKiosk, enrollmentLink, OPS, watch } from './support/security';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from './support/processes';

/**
 * KIOSK_ENROLLMENT=required (issue #12): kiosks prove who they are with the credential from an
 * operator's one-time enrollment link, and a session belongs to the kiosk that started it.
 */
describe('kiosk enrollment and session ownership', () => {
  const t = {} as { redis: TestRedis; sim: Simulator; service: Service };

  beforeAll(async () => {
    t.redis = await startRedis();
    t.sim = await startSimulator({ SIM_INTERVAL_S: '1' });
    t.service = await startService({ redisUrl: t.redis.url, simulatorUrl: t.sim.url, env: { KIOSK_ENROLLMENT: 'required' } });
  });

  afterAll(async () => {
    await t.service?.stop();
    await t.sim?.stop();
    t.redis?.stop();
  });

  it('refuses a kiosk without a credential: HTTP 403 kiosk_not_enrolled and a refused handshake', async () => {
    const before = (await t.sim.control.stats()).authorizations;
    for (const cookie of [
      undefined,
      'kiosk_credential=garbage',
      'kiosk_credential=k1~lobby-1~AAAAAAAAAAAA~' + 'A'.repeat(43) + '~x',
    ]) {
      const answer = await call(t.service.url, 'POST', '/api/sessions', { body: {}, headers: cookie ? { cookie } : {} });
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ error: { code: 'kiosk_not_enrolled', message: expect.any(String) } });
    }
    for (const path of ['/api/sessions/AAAAAAAAAAAAAAAAAAAAAA', '/api/sessions/AAAAAAAAAAAAAAAAAAAAAA/qr.svg']) {
      expect((await call(t.service.url, 'GET', path)).status).toBe(403);
    }
    expect((await call(t.service.url, 'DELETE', '/api/sessions/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(403);
    await expect(connectSocket(t.service.url)).rejects.toThrow('kiosk_not_enrolled');
    expect((await t.sim.control.stats()).authorizations).toBe(before);
  });

  it('issues enrollment links only to operators, only as a JSON POST', async () => {
    const noAuth = await call(t.service.url, 'POST', '/admin/kiosks/enrollments', { body: { kioskId: 'lobby-9' } });
    expect(noAuth.status).toBe(401);
    // A cross-site form would ride on the browser's cached Basic credentials; it cannot send JSON.
    const form = await fetch(`${t.service.url}/admin/kiosks/enrollments`, {
      method: 'POST',
      headers: { authorization: OPS, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'kioskId=lobby-9',
    });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    const plain = await fetch(`${t.service.url}/admin/kiosks/revocations`, {
      method: 'POST',
      headers: { authorization: OPS, 'content-type': 'text/plain' },
      body: '{"kioskId":"lobby-9"}',
    });
    expect(plain.status).toBe(415);
    const bad = await call(t.service.url, 'POST', '/admin/kiosks/enrollments', {
      body: { kioskId: 'no spaces' },
      headers: { authorization: OPS },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const link = await enrollmentLink(t.service.url, 'lobby-9');
    expect(link.url).toMatch(new RegExp(`^http://localhost:\\d+/enroll#[\\w-]{43}$`));
    expect(link.qrSvg).toMatch(/^<svg/);
  });

  it('trades a link once for an HttpOnly, SameSite=Strict credential, stored only as a hash', async () => {
    const { token } = await enrollmentLink(t.service.url, 'lobby-2');
    const first = await call(t.service.url, 'POST', '/api/enrollment', { body: { token } });
    expect(first).toMatchObject({ status: 200, body: { kioskId: 'lobby-2' } });
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^kiosk_credential=k1~lobby-2~/);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Strict/i);
    expect(setCookie).toMatch(/; Max-Age=\d{8}/i);
    // Used once: the same link is refused the second time.
    const again = await call(t.service.url, 'POST', '/api/enrollment', { body: { token } });
    expect(again).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const secret = setCookie.split(';')[0].split('~')[3];
    const dump = await dumpRedis(t.redis.url);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(secret);
    expect(t.service.output()).not.toContain(token);
    expect(t.service.output()).not.toContain(secret);
  });

  it('takes the kiosk id from the credential, never from the body', async () => {
    const kiosk = await enrolledKiosk(t.service.url, 'lobby-3');
    const session = await kiosk.create({ kioskId: 'somebody-else' });
    expect(session.kioskId).toBe('lobby-3');
    expect((await kiosk.request('DELETE', `/api/sessions/${session.id}`)).status).toBe(200);
  });

  it('answers another kiosk asking for a session as if it did not exist: read, QR, watch, cancel, sign out', async () => {
    const owner = await enrolledKiosk(t.service.url, 'room-a');
    const other = await enrolledKiosk(t.service.url, 'room-b');
    const pending = await owner.create();
    const ownSocket = await owner.socket();
    const otherSocket = await other.socket();
    const seenByOther: SessionView[] = [];
    otherSocket.on('session:update', (v: SessionView) => seenByOther.push(v));
    try {
      expect(await watch(ownSocket, pending.id)).toMatchObject({ ok: true, session: { id: pending.id } });
      for (const [method, path] of [
        ['GET', `/api/sessions/${pending.id}`],
        ['GET', `/api/sessions/${pending.id}/qr.svg`],
        ['DELETE', `/api/sessions/${pending.id}`],
      ] as const) {
        const foreign = await other.request(method, path);
        const missing = await other.request(method, path.replace(pending.id, 'AAAAAAAAAAAAAAAAAAAAAA'));
        expect(foreign.status).toBe(404);
        expect(foreign.body).toEqual(missing.body);
      }
      expect(await watch(otherSocket, pending.id)).toEqual(await watch(otherSocket, 'AAAAAAAAAAAAAAAAAAAAAA'));
      expect(await watch(otherSocket, pending.id)).toMatchObject({ ok: false, error: { code: 'not_found' } });

      // Still pending and the owner's: approve it, then the other kiosk tries to sign the person out.
      expect((await owner.request<SessionView>('GET', `/api/sessions/${pending.id}`)).body.status).toBe('pending');
      await t.sim.control.approve(pending.userCode, 'Katherine Johnson');
      await expect
        .poll(async () => (await owner.request<SessionView>('GET', `/api/sessions/${pending.id}`)).body.status, {
          timeout: 15_000,
        })
        .toBe('authorized');
      expect((await other.request('DELETE', `/api/sessions/${pending.id}`)).status).toBe(404);
      expect((await owner.request<SessionView>('GET', `/api/sessions/${pending.id}`)).body).toMatchObject({
        status: 'authorized',
        profile: { displayName: 'Katherine Johnson' },
      });
      // Not one push about the owner's session reached the other kiosk's connection.
      expect(seenByOther).toEqual([]);
    } finally {
      ownSocket.close();
      otherSocket.close();
      await owner.request('DELETE', `/api/sessions/${pending.id}`);
    }
  });

  it('keeps one pending sign-in per kiosk: a new one cancels the previous, which is pushed', async () => {
    const kiosk = await enrolledKiosk(t.service.url, 'lobby-4');
    const socket = await kiosk.socket();
    const updates: SessionView[] = [];
    socket.on('session:update', (v: SessionView) => updates.push(v));
    try {
      const first = await kiosk.create();
      expect(await watch(socket, first.id)).toMatchObject({ ok: true });
      const second = await kiosk.create();
      await expect
        .poll(() => updates.find((v) => v.id === first.id && v.status === 'cancelled'), { timeout: 10_000 })
        .toBeDefined();
      expect((await kiosk.request<SessionView>('GET', `/api/sessions/${first.id}`)).body.status).toBe('cancelled');
      expect((await kiosk.request<SessionView>('GET', `/api/sessions/${second.id}`)).body.status).toBe('pending');
      await kiosk.request('DELETE', `/api/sessions/${second.id}`);
    } finally {
      socket.close();
    }
  });

  it('wipes the profile when the session ends: null in the view, the push and Redis', async () => {
    const kiosk = await enrolledKiosk(t.service.url, 'lobby-5');
    const socket = await kiosk.socket();
    const updates: SessionView[] = [];
    socket.on('session:update', (v: SessionView) => updates.push(v));
    try {
      const session = await kiosk.create();
      await watch(socket, session.id);
      await t.sim.control.approve(session.userCode, 'Dorothy Vaughan');
      await expect
        .poll(() => updates.find((v) => v.id === session.id && v.status === 'authorized')?.profile, { timeout: 15_000 })
        .toMatchObject({ displayName: 'Dorothy Vaughan' });
      const signedOut = await kiosk.request<SessionView>('DELETE', `/api/sessions/${session.id}`);
      expect(signedOut.body).toMatchObject({ status: 'signed_out', profile: null });
      expect((await kiosk.request<SessionView>('GET', `/api/sessions/${session.id}`)).body).toMatchObject({ profile: null });
      await expect
        .poll(() => updates.find((v) => v.id === session.id && v.status === 'signed_out'), { timeout: 10_000 })
        .toMatchObject({
          profile: null,
        });
      expect(await dumpRedis(t.redis.url)).not.toContain('Dorothy Vaughan');
    } finally {
      socket.close();
    }
  });

  it('lists enrolled kiosks, and revoking one refuses it at once, closes its connection and ends its sign-ins', async () => {
    const kiosk = await enrolledKiosk(t.service.url, 'lobby-6');
    const session = await kiosk.create();
    const socket = await kiosk.socket();
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const listed = await call<{ kiosks: Array<{ kioskId: string }> }>(t.service.url, 'GET', '/admin/kiosks/enrolled', {
      headers: { authorization: OPS },
    });
    expect(listed.body.kiosks.map((k) => k.kioskId)).toContain('lobby-6');
    expect(JSON.stringify(listed.body)).not.toContain(kiosk.cookie.split('~')[3]);

    const revoked = await call(t.service.url, 'POST', '/admin/kiosks/revocations', {
      body: { kioskId: 'lobby-6' },
      headers: { authorization: OPS },
    });
    expect(revoked).toMatchObject({ status: 200, body: { kioskId: 'lobby-6', sessionsEnded: 1 } });
    expect(await closed).toBe('io server disconnect');
    expect((await kiosk.request('POST', '/api/sessions', {})).body).toMatchObject({ error: { code: 'kiosk_not_enrolled' } });
    expect((await kiosk.request('GET', `/api/sessions/${session.id}`)).status).toBe(403);
    await expect(kiosk.socket()).rejects.toThrow('kiosk_not_enrolled');
    const after = await call<{ kiosks: Array<{ kioskId: string }> }>(t.service.url, 'GET', '/admin/kiosks/enrolled', {
      headers: { authorization: OPS },
    });
    expect(after.body.kiosks.map((k) => k.kioskId)).not.toContain('lobby-6');
    // The pending sign-in it left ended too (read by a kiosk enrolled again under that id).
    const again = await enrolledKiosk(t.service.url, 'lobby-6');
    expect((await again.request<SessionView>('GET', `/api/sessions/${session.id}`)).body.status).toBe('cancelled');
  });

  it('re-enrolling a kiosk id replaces its credential: the old one is refused', async () => {
    const old = await enrolledKiosk(t.service.url, 'lobby-7');
    await enrolledKiosk(t.service.url, 'lobby-7');
    expect((await old.request('POST', '/api/sessions', {})).status).toBe(403);
  });
});
