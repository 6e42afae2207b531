import { describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { createSession } from './support/kiosk-socket';
import { useStack } from './support/stack';
import { dumpRedis } from './support/redis-dump';

const KEY = 'integrator-key-0123456789';
const ACCESS_TTL_S = 4;

/** Token lifecycle with access tokens that live seconds, so several refresh cycles fit in a test. */
describe('token lifecycle', () => {
  const t = useStack({
    sim: { SIM_INTERVAL_S: '1', SIM_ACCESS_TOKEN_TTL_S: String(ACCESS_TTL_S) },
    env: { INTEGRATOR_API_KEY: KEY },
  });

  async function signedIn(): Promise<SessionView> {
    const session = await createSession(t.service.url);
    await t.kiosk.watch({ id: session.id });
    await t.sim.control.approve(session.userCode);
    return t.kiosk.next((v) => v.id === session.id && v.status === 'authorized');
  }

  function token(id: string, key = KEY): Promise<Response> {
    return fetch(`${t.service.url}/api/sessions/${id}/token`, { headers: { authorization: `Bearer ${key}` } });
  }

  async function refreshesOf(userCode: string): Promise<number[]> {
    return (await t.sim.control.refreshes()).filter((r) => r.userCode === userCode && r.outcome === 'ok').map((r) => r.at);
  }

  it('refreshes ahead of expiry and always hands out a token Webex accepts', async () => {
    const session = await signedIn();
    const grantedAt = (await t.sim.control.polls()).find((p) => p.userCode === session.userCode && p.outcome === 'granted')!.at;
    // Sample the integrator API back to back across three refresh cycles.
    const seen = new Set<string>();
    const deadline = Date.now() + 45_000;
    while ((await refreshesOf(session.userCode)).length < 3 && Date.now() < deadline) {
      const res = await token(session.id);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as { accessToken: string; expiresAt: string };
      expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
      expect(await t.sim.control.peopleMeStatus(body.accessToken)).toBe(200);
      seen.add(body.accessToken);
    }
    const refreshes = await refreshesOf(session.userCode);
    expect(refreshes.length).toBeGreaterThanOrEqual(3);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    // The first refresh came before the first access token expired.
    expect(refreshes[0] - grantedAt).toBeLessThan(ACCESS_TTL_S * 1000);
    // The kiosk saw no change: refreshing is invisible to it.
    expect(t.kiosk.updates.filter((v) => v.id === session.id).map((v) => v.status)).toEqual(['authorized']);
  });

  it('ends the session as failed, with a push, when the refresh token is revoked', async () => {
    const session = await signedIn();
    await t.sim.control.revoke(session.userCode);
    const failed = await t.kiosk.next((v) => v.id === session.id && v.status === 'failed', 20_000);
    expect(failed.error).toMatchObject({ code: 'refresh_failed' });
    expect((await token(session.id)).status).toBe(404);
  });

  it('stops refreshing at sign-out and closes the integrator API for that session', async () => {
    const gone = await signedIn();
    const out = await fetch(`${t.service.url}/api/sessions/${gone.id}`, { method: 'DELETE' });
    expect(await out.json()).toMatchObject({ status: 'signed_out' });
    expect((await token(gone.id)).status).toBe(404);
    // A second sign-in refreshing twice spans more than one refresh cycle of the first.
    const other = await signedIn();
    await expect
      .poll(async () => (await refreshesOf(other.userCode)).length, { timeout: 20_000, interval: 250 })
      .toBeGreaterThanOrEqual(2);
    expect(await refreshesOf(gone.userCode)).toEqual([]);
  });

  it('retries a refresh that failed transiently, and the session stays signed in', async () => {
    const session = await signedIn();
    await t.sim.control.faults({ endpoint: 'refresh', status: 503, count: 2 });
    await expect
      .poll(async () => (await refreshesOf(session.userCode)).length, { timeout: 30_000, interval: 250 })
      .toBeGreaterThanOrEqual(1);
    const res = await token(session.id);
    expect(res.status).toBe(200);
    expect(await t.sim.control.peopleMeStatus(((await res.json()) as { accessToken: string }).accessToken)).toBe(200);
    expect(t.kiosk.updates.filter((v) => v.id === session.id).map((v) => v.status)).toEqual(['authorized']);
  });

  it('guards the integrator API with the key, compared exactly', async () => {
    const session = await signedIn();
    expect((await fetch(`${t.service.url}/api/sessions/${session.id}/token`)).status).toBe(401);
    expect((await token(session.id, 'wrong-key-0123456789')).status).toBe(401);
    expect((await token(session.id, `${KEY}x`)).status).toBe(401);
    const res = await token(session.id, KEY.slice(0, -1));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await token('AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
  });

  it('keeps no token or device code in plain text anywhere in Redis, in pushes or in logs', async () => {
    const session = await signedIn();
    const pendingOne = await createSession(t.service.url);
    await expect
      .poll(async () => (await refreshesOf(session.userCode)).length, { timeout: 20_000, interval: 250 })
      .toBeGreaterThanOrEqual(1);
    const secrets = [
      ...Object.values(await t.sim.control.secrets(session.userCode)).flat(),
      (await t.sim.control.secrets(pendingOne.userCode)).deviceCode,
    ];
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    const dump = await dumpRedis(t.redis.url);
    const pushes = JSON.stringify(t.kiosk.updates);
    const views = JSON.stringify(await (await fetch(`${t.service.url}/api/sessions/${session.id}`)).json());
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      expect(pushes).not.toContain(secret);
      expect(views).not.toContain(secret);
      expect(t.service.output()).not.toContain(secret);
    }
    expect(t.service.output()).not.toContain('sim-client-secret');
  });
});
