import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { createSession, KioskSocket } from './support/kiosk-socket';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from './support/processes';

/**
 * Two API and two worker processes on one Redis, as a fleet runs in production, and the faults
 * they must survive: a worker killed mid-poll, Redis stalled, Webex rate-limiting the client id.
 */
describe('scale-out and fault tolerance', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let apis: Service[];
  let workers: Service[];
  let kiosk: KioskSocket;

  // Short leases so a killed worker's sign-ins are taken over within seconds, not 30 s.
  const workerEnv = { WORKER_LOCK_MS: '3000', WORKER_STALLED_INTERVAL_MS: '1000', WEBEX_TIMEOUT_MS: '1000' };
  const startWorker = () => startService({ redisUrl: redis.url, simulatorUrl: sim.url, role: 'worker', env: workerEnv });

  beforeAll(async () => {
    redis = await startRedis();
    sim = await startSimulator({ SIM_INTERVAL_S: '1' });
    const api = () => startService({ redisUrl: redis.url, simulatorUrl: sim.url, role: 'api' });
    [apis, workers] = await Promise.all([Promise.all([api(), api()]), Promise.all([startWorker(), startWorker()])]);
    kiosk = await KioskSocket.connect(apis[1].url);
  });

  afterAll(async () => {
    kiosk?.close();
    await Promise.all([...(apis ?? []), ...(workers ?? [])].map((p) => p.stop('SIGKILL')));
    await sim?.stop();
    redis?.stop();
  });

  /** Sessions created on the first API process, watched through the second. */
  async function pendingSessions(n: number): Promise<SessionView[]> {
    const sessions = await Promise.all(Array.from({ length: n }, (_, i) => createSession(apis[0].url, { kioskId: `room-${i}` })));
    for (const s of sessions) expect(await kiosk.watch({ id: s.id })).toMatchObject({ ok: true });
    return sessions;
  }

  async function approveAndAwait(sessions: SessionView[]): Promise<void> {
    for (const s of sessions) await sim.control.approve(s.userCode);
    for (const s of sessions) await kiosk.next((v) => v.id === s.id && v.status === 'authorized', 45_000);
  }

  async function pollsOf(sessions: SessionView[]) {
    const codes = new Set(sessions.map((s) => s.userCode));
    return (await sim.control.polls()).filter((p) => p.userCode !== null && codes.has(p.userCode));
  }

  it('delivers every update to a kiosk on another API process', async () => {
    const sessions = await pendingSessions(3);
    await sim.control.slowDown(sessions[0].userCode);
    await kiosk.next((v) => v.id === sessions[0].id && v.interval === 6, 20_000);
    await approveAndAwait(sessions);
    const statuses = kiosk.updates.filter((v) => v.id === sessions[0].id).map((v) => v.status);
    expect(statuses).toEqual(['pending', 'authorized']);
  });

  it('completes every sign-in after a worker is killed with SIGKILL mid-flight', async () => {
    const sessions = await pendingSessions(6);
    await expect.poll(async () => (await pollsOf(sessions)).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(6);
    await workers[0].stop('SIGKILL');
    await approveAndAwait(sessions);
    workers[0] = await startWorker();
  });

  it('resumes pending sign-ins after Redis stalls (SIGSTOP) and comes back', async () => {
    const sessions = await pendingSessions(4);
    await expect.poll(async () => (await pollsOf(sessions)).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    process.kill(redis.pid, 'SIGSTOP');
    try {
      await expect.poll(async () => (await fetch(`${apis[0].url}/readyz`)).status, { timeout: 15_000 }).toBe(503);
      // A kiosk asking meanwhile gets a clear, retryable error, not a hang or a stack trace.
      const res = await fetch(`${apis[0].url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
        signal: AbortSignal.timeout(15_000),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'unavailable' } });
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    await expect.poll(async () => (await fetch(`${apis[0].url}/readyz`)).status, { timeout: 15_000 }).toBe(200);
    await approveAndAwait(sessions);
  });

  it('pauses polling on every worker for Retry-After when Webex answers 429', async () => {
    const sessions = await pendingSessions(6);
    await expect.poll(async () => (await pollsOf(sessions)).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(6);
    await sim.control.faults({ endpoint: 'token', status: 429, count: 1, retryAfterS: 3 });
    const limited = await expect
      .poll(async () => (await pollsOf(sessions)).find((p) => p.outcome === 'rate_limited'), { timeout: 15_000 })
      .toBeDefined()
      .then(async () => (await pollsOf(sessions)).find((p) => p.outcome === 'rate_limited')!);
    // The pause binds the client id everywhere: no new sign-in is started with Webex meanwhile.
    const authorizations = (await sim.control.stats()).authorizations;
    const refused = await fetch(`${apis[1].url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(502);
    expect(await refused.json()).toMatchObject({ error: { code: 'upstream_error' } });
    expect((await sim.control.stats()).authorizations).toBe(authorizations);
    await expect
      .poll(async () => (await pollsOf(sessions)).filter((p) => p.at > limited.at + 3000).length, { timeout: 20_000 })
      .toBeGreaterThan(0);
    // Polls already on the wire when the 429 arrived may land just after it; none may start later.
    const during = (await pollsOf(sessions)).filter((p) => p.at > limited.at + 250 && p.at < limited.at + 3000);
    expect(during).toEqual([]);
    await approveAndAwait(sessions);
  });

  it('never polled early and never redeemed a code twice through all of it', async () => {
    const stats = await sim.control.stats();
    expect(stats.grants).toBeGreaterThanOrEqual(19);
    expect(stats.earlyPolls).toBe(0);
    expect(stats.doubleRedemptions).toBe(0);
    expect(stats.afterTerminal).toBe(0);
  });
});
