import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, KioskSocket } from './support/kiosk-socket';
import { Service, Simulator, startService, startSimulator } from './support/processes';
import { MASTER_NAME, SentinelTopology, startSentinelTopology } from './support/sentinel';

/**
 * Sentinels, primary and replica that speak only TLS (no plain port at all), under a private CA:
 * the service finds the master through the sentinels and signs a person in end to end.
 */
describe('Redis Sentinel over TLS', () => {
  let topology: SentinelTopology;
  let sim: Simulator;
  let service: Service;
  let kiosk: KioskSocket;

  beforeAll(async () => {
    topology = await startSentinelTopology({ tls: true });
    sim = await startSimulator({ SIM_INTERVAL_S: '1' });
    service = await startService({
      redisUrl: '',
      simulatorUrl: sim.url,
      env: {
        REDIS_URL: '',
        REDIS_SENTINELS: topology.sentinelList,
        REDIS_SENTINEL_NAME: MASTER_NAME,
        REDIS_TLS: 'true',
        REDIS_SENTINEL_TLS: 'true',
        REDIS_TLS_CA_FILE: topology.certificates!.caFile,
      },
    });
    kiosk = await KioskSocket.connect(service.url);
  });

  afterAll(async () => {
    kiosk?.close();
    await service?.stop();
    await sim?.stop();
    await topology?.stop();
  });

  it('signs a person in through the master the sentinels name', async () => {
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    const session = await createSession(service.url, { kioskId: 'tls-1' });
    expect(await kiosk.watch({ id: session.id })).toMatchObject({ ok: true });
    await sim.control.approve(session.userCode, 'Grace Hopper');
    const pushed = await kiosk.next((v) => v.id === session.id && v.status === 'authorized', 15_000);
    expect(pushed.profile).toMatchObject({ displayName: 'Grace Hopper' });
  });
});
