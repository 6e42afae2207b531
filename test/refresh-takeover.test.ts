import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { createSession, KioskSocket } from './support/kiosk-socket';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from './support/processes';

const SIGN_INS = 8;
const ACCESS_TTL_S = 5;
const LOCK_MS = 8_000;
/** A claim covers up to this long before a refresh's time (`CLAIM_AHEAD_MS` in refresh.scheduler.ts). */
const CLAIM_AHEAD_MS = 4_000;
/** A sweep every 2 s ± a quarter, and room for timers on a shared two-core machine. */
const SWEEP_AND_SLACK_MS = 2_500 + 2_000;

/**
 * A worker that claimed signed-in sessions' token refreshes is killed (SIGKILL: nothing given
 * back). Another worker must refresh every one of them once the dead worker's claims run out, none
 * twice at once (the simulator rotates refresh tokens: a second refresh with the old one fails),
 * and every person stays signed in.
 */
describe('a worker killed while it holds token refreshes', () => {
  let redis: TestRedis;
  let client: Redis;
  let sim: Simulator;
  let api: Service;
  let workers: Service[] = [];
  let kiosk: KioskSocket;
  const env = { WORKER_LOCK_MS: String(LOCK_MS), WEBEX_TIMEOUT_MS: '1000' };
  const startWorker = () => startService({ redisUrl: redis.url, simulatorUrl: sim.url, role: 'worker', env });

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    sim = await startSimulator({ SIM_INTERVAL_S: '1', SIM_ACCESS_TOKEN_TTL_S: String(ACCESS_TTL_S) });
    api = await startService({ redisUrl: redis.url, simulatorUrl: sim.url, role: 'api', env });
    kiosk = await KioskSocket.connect(api.url);
  });

  afterAll(async () => {
    kiosk?.close();
    client?.disconnect();
    await Promise.all([api, ...workers].filter(Boolean).map((p) => p.stop('SIGKILL')));
    await sim?.stop();
    redis?.stop();
  });

  it('has another worker refresh each of them once the claims run out, and nobody is signed out', async () => {
    workers = [await startWorker()];
    const sessions: SessionView[] = [];
    for (let i = 0; i < SIGN_INS; i++) sessions.push(await createSession(api.url, { kioskId: `room-${i}` }));
    for (const s of sessions) {
      expect(await kiosk.watch({ id: s.id })).toMatchObject({ ok: true });
      await sim.control.approve(s.userCode);
    }
    for (const s of sessions) await kiosk.next((v) => v.id === s.id && v.status === 'authorized', 15_000);

    // A refresh not yet claimed is due within 90 % of an access token's life; a claimed one is held
    // until WORKER_LOCK_MS past its window. Wait until the only worker holds them all, then kill it
    // before it runs any.
    const scores = async () => {
      const flat = await client.zrange('{kiosk}:refresh:due', 0, -1, 'WITHSCORES');
      return new Map(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, Number(flat[i + 1])] as const] : [])));
    };
    const claimedAll = async () => {
      const now = Date.now();
      const held = await scores();
      return sessions.every((s) => (held.get(s.id) ?? 0) > now + ACCESS_TTL_S * 1000);
    };
    await expect.poll(claimedAll, { timeout: 10_000, interval: 100 }).toBe(true);
    const claims = await scores();
    const claimsRunOut = Math.max(...claims.values());
    await workers[0].stop('SIGKILL');
    const killedAt = Date.now();
    expect(claimsRunOut - killedAt).toBeLessThanOrEqual(LOCK_MS + CLAIM_AHEAD_MS);
    workers.push(await startWorker());

    // The other worker refreshes every one of them, once their claims have run out.
    const codes = new Set(sessions.map((s) => s.userCode));
    const refreshedSinceKill = async () =>
      new Set(
        (await sim.control.refreshes())
          .filter((r) => r.userCode && codes.has(r.userCode) && r.at > killedAt)
          .map((r) => r.userCode),
      ).size;
    await expect
      .poll(refreshedSinceKill, { timeout: claimsRunOut - killedAt + SWEEP_AND_SLACK_MS, interval: 250 })
      .toBe(SIGN_INS);
    const mine = (await sim.control.refreshes()).filter((r) => r.userCode && codes.has(r.userCode));
    // None before the dead worker's claim on it ran out.
    const idOf = new Map(sessions.map((s) => [s.userCode, s.id]));
    for (const r of mine.filter((r) => r.at > killedAt)) expect(r.at).toBeGreaterThanOrEqual(claims.get(idOf.get(r.userCode!)!)!);
    // None refreshed twice at once: with rotation, the second would have been refused.
    expect(mine.filter((r) => r.outcome !== 'ok')).toEqual([]);
    for (const s of sessions) {
      const res = await fetch(`${api.url}/api/sessions/${s.id}`);
      expect(((await res.json()) as SessionView).status).toBe('authorized');
    }
  });
});
