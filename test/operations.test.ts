import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { fleetSnapshot, openFleetSocket } from './support/fleet-socket';
import { createSession, KioskSocket } from './support/kiosk-socket';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from './support/processes';
import { parsePrometheus, sampleValue } from './support/prometheus';

const OPS = `Basic ${Buffer.from('ops:correct-horse-battery').toString('base64')}`;

/** What operators rely on, with API and workers as separate processes (as in production). */
describe('operations', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let api: Service;
  let workers: Service[];

  beforeAll(async () => {
    redis = await startRedis();
    sim = await startSimulator({ SIM_INTERVAL_S: '1' });
    const common = { redisUrl: redis.url, simulatorUrl: sim.url, env: { SHUTDOWN_TIMEOUT_MS: '20000' } };
    [api, ...workers] = await Promise.all([
      startService({ ...common, role: 'api' }),
      startService({ ...common, role: 'worker' }),
      startService({ ...common, role: 'worker' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([api, ...(workers ?? [])].map((p) => p?.stop()));
    await sim?.stop();
    redis?.stop();
  });

  it.each(['/admin/queues', '/admin/queues/api/queues', '/admin/kiosks', '/admin/kiosks/ticket'])(
    'guards %s with HTTP Basic auth',
    async (path) => {
      const wrong = `Basic ${Buffer.from('ops:wrong-password').toString('base64')}`;
      const attempts: Array<Record<string, string>> = [
        {},
        { authorization: wrong },
        { authorization: 'Basic !!!' },
        { authorization: 'Bearer x' },
      ];
      for (const headers of attempts) {
        const res = await fetch(`${api.url}${path}`, { headers });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      }
      expect((await fetch(`${api.url}${path}`, { headers: { authorization: OPS } })).status).toBe(200);
    },
  );

  it("shows the sign-ins' queue in the dashboard, read-only by default", async () => {
    const res = await fetch(`${api.url}/admin/queues/api/queues`, { headers: { authorization: OPS } });
    const body = (await res.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['device-poll']);
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
  });

  const fleetSocket = () => openFleetSocket(api.url, OPS);

  it('refuses the fleet feed without a valid ticket', async () => {
    for (const auth of [{}, { ticket: 'forged.ticket' }, { ticket: `${Date.now() + 60_000}.AAAA` }]) {
      const socket = io(`${api.url}/admin`, { transports: ['websocket'], auth, forceNew: true, reconnection: false });
      const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
      expect(error.message).toBe('unauthorized');
      socket.close();
    }
  });

  it('feeds the fleet view live with changes made in worker processes', async () => {
    const fleet = await fleetSocket();
    try {
      const seen: SessionView[] = [];
      fleet.on('fleet:sessions', (views: SessionView[]) => seen.push(...views));
      const session = await createSession(api.url, { kioskId: 'fleet-1' });
      const snapshot = await fleetSnapshot(fleet);
      expect(snapshot.sessions.find((s) => s.id === session.id)).toMatchObject({ kioskId: 'fleet-1', status: 'pending' });
      expect(snapshot.counts.pending).toBeGreaterThanOrEqual(1);
      await sim.control.approve(session.userCode, 'Mary Jackson');
      await expect
        .poll(() => seen.find((v) => v.id === session.id && v.status === 'authorized'), { timeout: 20_000 })
        .toMatchObject({
          profile: { displayName: 'Mary Jackson' },
        });
    } finally {
      fleet.close();
    }
  });

  async function scrape() {
    return parsePrometheus(await (await fetch(`${api.url}/metrics`)).text());
  }

  it('exposes Prometheus metrics that move with a flow, workers included', async () => {
    // Start from a settled baseline: every grant the simulator gave so far is counted.
    const grants = (await sim.control.stats()).grants;
    await expect
      .poll(async () => sampleValue(await scrape(), 'kiosk_polls_total', { answer: 'granted' }), { timeout: 20_000 })
      .toBe(grants);
    const before = await scrape();
    const kiosk = await KioskSocket.connect(api.url);
    const session = await createSession(api.url);
    await kiosk.watch({ id: session.id });
    await sim.control.approve(session.userCode);
    await kiosk.next((v) => v.id === session.id && v.status === 'authorized');
    kiosk.close();
    const created = sampleValue(before, 'kiosk_sessions_created_total');
    const granted = sampleValue(before, 'kiosk_polls_total', { answer: 'granted' });
    // Worker processes publish their metrics every few seconds; wait for the next round.
    await expect
      .poll(
        async () => {
          const now = await scrape();
          return {
            created: sampleValue(now, 'kiosk_sessions_created_total') - created,
            granted: sampleValue(now, 'kiosk_polls_total', { answer: 'granted' }) - granted,
            pushLatency: sampleValue(now, 'kiosk_push_latency_seconds_count') > 0,
            lateness: sampleValue(now, 'kiosk_poll_lateness_seconds_count') > 0,
            upstream: sampleValue(now, 'kiosk_upstream_request_duration_seconds_count', { endpoint: 'token' }) > 0,
            queue: now.some((s) => s.name === 'kiosk_queue_jobs' && s.labels.queue === 'device-poll'),
          };
        },
        { timeout: 20_000, interval: 500 },
      )
      .toEqual({ created: 1, granted: 1, pushLatency: true, lateness: true, upstream: true, queue: true });
  });

  it('answers liveness and readiness', async () => {
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok' });
  });

  it('finishes a SIGTERM cleanly (exit 0) and the other worker completes the sign-ins', async () => {
    const kiosk = await KioskSocket.connect(api.url);
    try {
      // Four kiosks: one kiosk holds at most one pending sign-in (a newer one cancels the older).
      const sessions = await Promise.all([1, 2, 3, 4].map((n) => createSession(api.url, { kioskId: `term-${n}` })));
      for (const s of sessions) await kiosk.watch({ id: s.id });
      // Both workers are polling now; stop one while polls are in flight.
      await expect
        .poll(async () => (await sim.control.polls()).filter((p) => sessions.some((s) => s.userCode === p.userCode)).length, {
          timeout: 10_000,
        })
        .toBeGreaterThanOrEqual(4);
      expect(await workers[0].stop('SIGTERM')).toBe(0);
      for (const s of sessions) await sim.control.approve(s.userCode);
      for (const s of sessions) await kiosk.next((v) => v.id === s.id && v.status === 'authorized', 30_000);
      const stats = await sim.control.stats();
      expect(stats.earlyPolls).toBe(0);
      expect(stats.doubleRedemptions).toBe(0);
    } finally {
      kiosk.close();
    }
  });

  it('writes no secret into any process log', async () => {
    const secrets: string[] = ['sim-client-secret', 'correct-horse-battery'];
    for (const p of await sim.control.polls()) {
      if (p.userCode) secrets.push(...Object.values(await sim.control.secrets(p.userCode)).flat());
    }
    const logs = [api, ...workers].map((p) => p.output()).join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of new Set(secrets)) expect(logs).not.toContain(secret);
  });
});
