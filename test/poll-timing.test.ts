import { describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { createSession } from './support/kiosk-socket';
import { useStack } from './support/stack';

/**
 * The simulator records every poll with its arrival time; these tests read that record to prove
 * the service paces itself exactly as RFC 8628 §3.5 and Webex demand.
 */
describe('poll timing as the simulator saw it', () => {
  const t = useStack({ sim: { SIM_INTERVAL_S: '1' } });

  async function watched(expiresInS = 60): Promise<SessionView> {
    await t.sim.control.settings({ expiresInS });
    const session = await createSession(t.service.url);
    await t.kiosk.watch({ id: session.id });
    return session;
  }

  async function pollsOf(userCode: string) {
    return (await t.sim.control.polls()).filter((p) => p.userCode === userCode);
  }

  it('waits the interval before the first poll and between polls, and stops after the grant', async () => {
    const session = await watched();
    // Let a few polls happen: each answer is a push-free 428, so wait on the simulator's record.
    await expect
      .poll(async () => (await pollsOf(session.userCode)).length, { timeout: 10_000, interval: 200 })
      .toBeGreaterThanOrEqual(3);
    await t.sim.control.approve(session.userCode);
    await t.kiosk.next((v) => v.id === session.id && v.status === 'authorized');
    const polls = await pollsOf(session.userCode);
    const createdAt = Date.parse(session.createdAt);
    expect(polls[0].at - createdAt).toBeGreaterThanOrEqual(1000);
    for (let i = 1; i < polls.length; i++) expect(polls[i].at - polls[i - 1].at).toBeGreaterThanOrEqual(1000);
    expect(polls.at(-1)!.outcome).toBe('granted');
    expect(polls.every((p) => !p.early && !p.afterTerminal)).toBe(true);
  });

  it('adds 5 s to the interval on each slow_down, for that poll and all later ones', async () => {
    const session = await watched(14);
    await t.sim.control.slowDown(session.userCode, 2);
    const slowed = await t.kiosk.next((v) => v.id === session.id && v.interval === 11, 20_000);
    expect(slowed.status).toBe('pending');
    await t.kiosk.next((v) => v.id === session.id && v.status === 'expired', 20_000);
    const polls = await pollsOf(session.userCode);
    expect(polls.map((p) => p.outcome).slice(0, 2)).toEqual(['slow_down', 'slow_down']);
    expect(polls[1].at - polls[0].at).toBeGreaterThanOrEqual(6000);
    expect(polls.every((p) => !p.early)).toBe(true);
  });

  it('expires by the local clock and polls no more', async () => {
    const session = await watched(3);
    const expired = await t.kiosk.next((v) => v.id === session.id && v.status === 'expired', 15_000);
    expect(expired.error).toMatchObject({ code: 'expired_token' });
    const polls = await pollsOf(session.userCode);
    const expiresAt = Date.parse(session.expiresAt);
    expect(polls.every((p) => p.at <= expiresAt)).toBe(true);
    expect(polls.every((p) => !p.afterTerminal && !p.early)).toBe(true);
  });

  it('nothing polled after a terminal state, and nothing early, across all sign-ins', async () => {
    const stats = await t.sim.control.stats();
    expect(stats.polls).toBeGreaterThan(0);
    expect(stats.earlyPolls).toBe(0);
    expect(stats.afterTerminal).toBe(0);
    expect(stats.doubleRedemptions).toBe(0);
  });
});
