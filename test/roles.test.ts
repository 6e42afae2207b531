import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, KioskSocket } from './support/kiosk-socket';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from './support/processes';

/** ROLE=api and ROLE=worker as separate OS processes on one Redis. */
describe('separate API and worker processes', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let api: Service;
  let worker: Service;

  beforeAll(async () => {
    redis = await startRedis();
    sim = await startSimulator({ SIM_INTERVAL_S: '1' });
    [api, worker] = await Promise.all([
      startService({ redisUrl: redis.url, simulatorUrl: sim.url, role: 'api' }),
      startService({ redisUrl: redis.url, simulatorUrl: sim.url, role: 'worker' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await sim?.stop();
    redis?.stop();
  });

  it('pushes a change made by the worker process to a kiosk on the API process', async () => {
    const kiosk = await KioskSocket.connect(api.url);
    try {
      const session = await createSession(api.url);
      await kiosk.watch({ id: session.id });
      await sim.control.approve(session.userCode, 'Katherine Johnson');
      const pushed = await kiosk.next((v) => v.id === session.id && v.status === 'authorized');
      expect(pushed.profile).toMatchObject({ displayName: 'Katherine Johnson' });
      // The API process never polls: only the worker logged the poll job's work.
      expect(api.output()).not.toContain('queue workers started');
      expect(worker.output()).toContain('queue workers started');
    } finally {
      kiosk.close();
    }
  });

  it('serves no HTTP from a worker process', async () => {
    await expect(fetch(`http://127.0.0.1:${worker.port}/healthz`)).rejects.toThrow();
  });
});
