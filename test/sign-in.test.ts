import { describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { createSession } from './support/kiosk-socket';
import { useStack } from './support/stack';

/**
 * One kiosk sign-in end to end: the service (ROLE=all) as a real process, a private Redis and the
 * Webex simulator, driven over real HTTP and Socket.IO.
 */
describe('device sign-in end to end', () => {
  const t = useStack({ sim: { SIM_INTERVAL_S: '1' }, env: { INTEGRATOR_API_KEY: 'integrator-key-0123456789' } });

  async function started(): Promise<SessionView> {
    const session = await createSession(t.service.url);
    const ack = await t.kiosk.watch({ id: session.id });
    expect(ack).toMatchObject({ ok: true, session: { id: session.id, status: 'pending' } });
    return session;
  }

  it('pushes the profile after the person approves', async () => {
    const session = await started();
    expect(session).toMatchObject({ kioskId: 'lobby-1', status: 'pending', interval: 1, profile: null, error: null });
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(session.qrUrl).toBe(`/api/sessions/${session.id}/qr.svg`);
    await t.sim.control.approve(session.userCode, 'Grace Hopper');
    const pushed = await t.kiosk.next((v) => v.id === session.id && v.status === 'authorized');
    expect(pushed.profile).toMatchObject({ displayName: 'Grace Hopper', emails: [expect.any(String)] });
    const read = await (await fetch(`${t.service.url}/api/sessions/${session.id}`)).json();
    expect(read).toMatchObject({ status: 'authorized', profile: { displayName: 'Grace Hopper' } });
  });

  it('ends as denied when the person declines', async () => {
    const session = await started();
    await t.sim.control.deny(session.userCode);
    const pushed = await t.kiosk.next((v) => v.id === session.id && v.status === 'denied');
    expect(pushed.error).toMatchObject({ code: 'access_denied' });
  });

  it('ends as expired when Webex says expired_token', async () => {
    const session = await started();
    await t.sim.control.expire(session.userCode);
    const pushed = await t.kiosk.next((v) => v.id === session.id && v.status === 'expired');
    expect(pushed.error).toMatchObject({ code: 'expired_token' });
  });

  it('cancels at once and polls no more', async () => {
    const session = await started();
    const res = await fetch(`${t.service.url}/api/sessions/${session.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'cancelled' });
    await t.kiosk.next((v) => v.id === session.id && v.status === 'cancelled');
    // Idempotent: a second DELETE answers the same state.
    const again = await fetch(`${t.service.url}/api/sessions/${session.id}`, { method: 'DELETE' });
    expect(await again.json()).toMatchObject({ status: 'cancelled' });
    // Approving now must not turn into a sign-in: the next sign-in's polls prove the worker moved on.
    const later = await started();
    await t.sim.control.approve(later.userCode);
    await t.kiosk.next((v) => v.id === later.id && v.status === 'authorized');
    const polls = (await t.sim.control.polls()).filter((p) => p.userCode === session.userCode);
    const view = (await (await fetch(`${t.service.url}/api/sessions/${session.id}`)).json()) as SessionView;
    const cancelledAt = Date.parse(view.updatedAt);
    expect(polls.filter((p) => p.at > cancelledAt + 50)).toEqual([]);
  });

  it('signs out an authorized session and forgets its token', async () => {
    const session = await started();
    await t.sim.control.approve(session.userCode);
    await t.kiosk.next((v) => v.id === session.id && v.status === 'authorized');
    const token = await fetch(`${t.service.url}/api/sessions/${session.id}/token`, {
      headers: { authorization: 'Bearer integrator-key-0123456789' },
    });
    expect(token.status).toBe(200);
    const res = await fetch(`${t.service.url}/api/sessions/${session.id}`, { method: 'DELETE' });
    expect(await res.json()).toMatchObject({ status: 'signed_out' });
    const after = await fetch(`${t.service.url}/api/sessions/${session.id}/token`, {
      headers: { authorization: 'Bearer integrator-key-0123456789' },
    });
    expect(after.status).toBe(404);
  });

  it('serves the QR code of the complete verification URI', async () => {
    const session = await started();
    const res = await fetch(`${t.service.url}${session.qrUrl}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await res.text()).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });
});
