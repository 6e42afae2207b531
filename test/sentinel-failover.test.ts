import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { createSession, KioskSocket } from './support/kiosk-socket';
import { Service, Simulator, startService, startSimulator } from './support/processes';
import { call, enrolledKiosk, OPS } from './support/security';
import { MASTER_NAME, SentinelTopology, startSentinelTopology } from './support/sentinel';

const SIGN_INS = 100;
/** Decided while the primary dies: the first of them just before the SIGKILL, the rest during the outage. */
const DECIDED_AROUND_KILL = 50;
const KILL_AFTER_DECISIONS = 20;
const ACCESS_TOKEN_TTL_S = 20;
const REDIS_PASSWORD = 'rP7-kQ2v_Lx9sW4zT1mB';
const SENTINEL_PASSWORD = 'sN3-hF8c_Yq5pD2rJ6wE';

/** Even sign-ins are approved, odd ones denied: each person's decision is known in advance. */
const decision = (i: number) => (i % 2 === 0 ? 'authorized' : 'denied');

/**
 * Issue #14's acceptance: Redis behind three sentinels, the service as real processes (one API,
 * one worker) following the master through `REDIS_SENTINELS`. The primary is SIGKILLed while 100
 * sign-ins are pending and people are deciding; every one must end as its person decided, with no
 * early poll, no code redeemed twice, and every kiosk pushed.
 */
describe('Redis Sentinel: the primary is killed while sign-ins are pending', () => {
  let topology: SentinelTopology;
  let sim: Simulator;
  let api: Service;
  let worker: Service;
  let kiosk: KioskSocket;

  beforeAll(async () => {
    topology = await startSentinelTopology({
      downAfterMs: 1000,
      password: REDIS_PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
    });
    const secrets = mkdtempSync(join(tmpdir(), 'kiosk-secrets-'));
    writeFileSync(join(secrets, 'redis-password'), `${REDIS_PASSWORD}\n`);
    writeFileSync(join(secrets, 'sentinel-password'), `${SENTINEL_PASSWORD}\n`);
    sim = await startSimulator({ SIM_INTERVAL_S: '2', SIM_ACCESS_TOKEN_TTL_S: String(ACCESS_TOKEN_TTL_S) });
    const env = {
      REDIS_URL: '',
      REDIS_SENTINELS: topology.sentinelList,
      REDIS_SENTINEL_NAME: MASTER_NAME,
      REDIS_PASSWORD_FILE: join(secrets, 'redis-password'),
      REDIS_SENTINEL_PASSWORD_FILE: join(secrets, 'sentinel-password'),
      // Above the default (250 ms): on a busy machine a replica may take longer now and then, and the
      // first test counts the WAITs (a timed-out one makes the next writes skip theirs).
      REDIS_WAIT_TIMEOUT_MS: '1000',
      WORKER_LOCK_MS: '15000',
      WEBEX_TIMEOUT_MS: '2000',
      LIMIT_SESSIONS_PER_ADDRESS: '1000',
    };
    [api, worker] = await Promise.all([
      startService({ redisUrl: '', simulatorUrl: sim.url, role: 'api', env }),
      startService({ redisUrl: '', simulatorUrl: sim.url, role: 'worker', env }),
    ]);
    kiosk = await KioskSocket.connect(api.url);
  });

  afterAll(async () => {
    kiosk?.close();
    await Promise.all([api, worker].filter(Boolean).map((p) => p.stop('SIGKILL')));
    await sim?.stop();
    await topology?.stop();
  });

  it('waits for the replica after the writes that matter', async () => {
    const primary = new Redis({ port: topology.primary.port, host: '127.0.0.1', password: REDIS_PASSWORD });
    try {
      const waits = async () => Number(/cmdstat_wait:calls=(\d+)/.exec(await primary.info('commandstats'))?.[1] ?? 0);
      const before = await waits();
      const session = await createSession(api.url, { kioskId: 'cancelled-1' });
      expect(await waits()).toBe(before);
      expect((await fetch(`${api.url}/api/sessions/${session.id}`, { method: 'DELETE' })).status).toBe(200);
      expect(await waits()).toBe(before + 1);
      // Enrolling a kiosk (its credential) and revoking it are security decisions a failover must not undo.
      await enrolledKiosk(api.url, 'enrolled-1');
      expect(await waits()).toBe(before + 2);
      const revoked = await call(api.url, 'POST', '/admin/kiosks/revocations', {
        body: { kioskId: 'enrolled-1' },
        headers: { authorization: OPS },
      });
      expect(revoked.status).toBe(200);
      expect(await waits()).toBe(before + 3);
    } finally {
      primary.disconnect();
    }
  });

  it('ends every sign-in as its person decided, polls none early, redeems none twice and pushes every kiosk', async () => {
    onTestFailed(() => console.log(`API:\n${api.output().slice(-5000)}\nWORKER:\n${worker.output().slice(-5000)}`));
    const sessions: SessionView[] = await Promise.all(
      Array.from({ length: SIGN_INS }, (_, i) => createSession(api.url, { kioskId: `room-${i}` })),
    );
    for (const s of sessions) expect(await kiosk.watch({ id: s.id })).toMatchObject({ ok: true });
    const codes = new Set(sessions.map((s) => s.userCode));
    const polled = async () => new Set((await sim.control.polls()).filter((p) => codes.has(p.userCode!)).map((p) => p.userCode));
    await expect.poll(async () => (await polled()).size, { timeout: 20_000 }).toBe(SIGN_INS);

    const decide = (i: number) =>
      decision(i) === 'authorized' ? sim.control.approve(sessions[i].userCode) : sim.control.deny(sessions[i].userCode);
    let killedAt = 0;
    const deciding = (async () => {
      for (let i = 0; i < DECIDED_AROUND_KILL; i++) {
        if (i === KILL_AFTER_DECISIONS) {
          await topology.primary.kill('SIGKILL');
          killedAt = Date.now();
        }
        await decide(i);
      }
    })();

    // While no master answers: not ready, and a new sign-in is refused at once with `unavailable`.
    await expect.poll(() => killedAt, { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
    await expect.poll(async () => (await fetch(`${api.url}/readyz`)).status, { timeout: 10_000, interval: 100 }).toBe(503);
    const notReadyAt = Date.now();
    const refusedStart = Date.now();
    const refused = await fetch(`${api.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"kioskId":"late-1"}',
      signal: AbortSignal.timeout(10_000),
    });
    const refusedInMs = Date.now() - refusedStart;
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'unavailable' } });

    await expect.poll(async () => (await fetch(`${api.url}/readyz`)).status, { timeout: 30_000, interval: 100 }).toBe(200);
    const readyAt = Date.now();
    // The service found the new master through a sentinel that knew; the one this asks first may
    // learn of the failover from its leader a moment later (the sentinels' hello messages, every 2 s).
    await expect.poll(() => topology.masterPort(), { timeout: 10_000, interval: 100 }).toBe(topology.replica.port);
    // The subscriber connections moved too: the pollers' control channel, Socket.IO's adapter.
    const master = new Redis({ port: topology.replica.port, host: '127.0.0.1', password: REDIS_PASSWORD });
    try {
      const subscribers = async () =>
        (await master.pubsub('NUMSUB', '{kiosk}:control', '{kiosk}:socket.io-request#/#')).filter((_, i) => i % 2 === 1);
      await expect.poll(subscribers, { timeout: 10_000 }).toEqual([1, 1]);
    } finally {
      master.disconnect();
    }
    await deciding;
    const fresh = await createSession(api.url, { kioskId: 'after-failover' });
    expect(fresh.status).toBe('pending');

    for (let i = DECIDED_AROUND_KILL; i < SIGN_INS; i++) await decide(i);
    for (const [i, s] of sessions.entries()) {
      await kiosk.next((v) => v.id === s.id && v.status === decision(i), 30_000);
    }
    const allPushedAt = Date.now();
    for (const [i, s] of sessions.entries()) {
      const res = await fetch(`${api.url}/api/sessions/${s.id}`);
      expect(((await res.json()) as SessionView).status).toBe(decision(i));
    }

    const stats = await sim.control.stats();
    expect(stats.earlyPolls).toBe(0);
    expect(stats.doubleRedemptions).toBe(0);
    expect(stats.afterTerminal).toBe(0);
    expect(stats.grants).toBe(SIGN_INS / 2);

    // BullMQ's connections followed the master too: the refresh jobs of the sign-ins approved after
    // the failover are added and run on it. (A refresh scheduled just before the SIGKILL may be lost
    // with the master, as the README says; the integrator API would refresh that token on demand.)
    const approved = new Set(
      sessions.filter((_, i) => i >= DECIDED_AROUND_KILL && decision(i) === 'authorized').map((s) => s.userCode),
    );
    await expect
      .poll(
        async () =>
          new Set(
            (await sim.control.refreshes()).filter((r) => r.at > readyAt && approved.has(r.userCode!)).map((r) => r.userCode),
          ).size,
        { timeout: ACCESS_TOKEN_TTL_S * 1000 + 10_000, interval: 500 },
      )
      .toBe(approved.size);

    const report = {
      notReadyAfterMs: notReadyAt - killedAt,
      newSignInRefusedInMs: refusedInMs,
      readyAgainAfterMs: readyAt - killedAt,
      everyKioskPushedAfterMs: allPushedAt - killedAt,
    };
    console.log(`sentinel failover: ${JSON.stringify(report)}`);
    // Loose: the sentinels need down-after-milliseconds (1 s) plus an election; this only catches a hang.
    expect(report.readyAgainAfterMs).toBeLessThan(20_000);
    expect(report.newSignInRefusedInMs).toBeLessThan(5_000);
    for (const secret of [REDIS_PASSWORD, SENTINEL_PASSWORD]) {
      expect(api.output() + worker.output()).not.toContain(secret);
    }
  });
});
