import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from './support/processes';
import { Answer, call, connectSocket, OPS, watch } from './support/security';

const INTEGRATOR_KEY = 'integrator-key-for-the-limits-test-0123456789';

/**
 * The abuse limits (issue #12) hold across two API processes on one Redis: each test spreads its
 * calls over both and still meets one budget. Client addresses are set with X-Forwarded-For,
 * trusted from loopback (TRUST_PROXY's default), so every test has an address of its own.
 */
describe('abuse limits across two API processes', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let apis: Service[];
  let worker: Service;

  beforeAll(async () => {
    redis = await startRedis();
    sim = await startSimulator({ SIM_INTERVAL_S: '5' });
    const env = {
      INTEGRATOR_API_KEY: INTEGRATOR_KEY,
      LIMIT_SESSIONS_PER_ADDRESS: '5',
      LIMIT_SESSIONS_PER_KIOSK: '3',
      LIMIT_PENDING_SIGNINS: '6',
      LIMIT_AUTH_FAILURES: '4',
      LIMIT_SOCKETS_PER_ADDRESS: '3',
      LIMIT_WATCHES_PER_SOCKET: '2',
    };
    const common = { redisUrl: redis.url, simulatorUrl: sim.url, env };
    [apis, worker] = await Promise.all([
      Promise.all([startService({ ...common, role: 'api' }), startService({ ...common, role: 'api' })]),
      startService({ ...common, role: 'worker' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([...(apis ?? []), worker].map((p) => p?.stop()));
    await sim?.stop();
    redis?.stop();
  });

  const api = (i: number) => apis[i % 2].url;
  const from = (address: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': address, ...headers });

  function create(i: number, address: string, body: unknown = {}): Promise<Answer<SessionView>> {
    return call<SessionView>(api(i), 'POST', '/api/sessions', { body, headers: from(address) });
  }

  async function cancelAll(answers: Array<Answer<SessionView>>): Promise<void> {
    for (const a of answers) if (a.status === 201) await call(api(0), 'DELETE', `/api/sessions/${a.body.id}`);
  }

  function expectRateLimited(answer: Answer): void {
    expect(answer.status).toBe(429);
    expect(answer.body).toMatchObject({ error: { code: 'rate_limited', message: expect.any(String) } });
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  }

  it('limits sign-ins per client address, over both processes together', async () => {
    const answers: Array<Answer<SessionView>> = [];
    for (let i = 0; i < 6; i++) answers.push(await create(i, '198.51.100.1'));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    expectRateLimited(answers[5]);
    // Another address is not affected.
    const other = await create(0, '198.51.100.2');
    expect(other.status).toBe(201);
    await cancelAll([...answers, other]);
  });

  it('limits sign-ins per kiosk, and a kiosk id claimed from elsewhere is another budget', async () => {
    const answers: Array<Answer<SessionView>> = [];
    for (let i = 0; i < 4; i++) answers.push(await create(i, '198.51.100.3', { kioskId: 'busy-kiosk' }));
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([201, 201, 201]);
    expectRateLimited(answers[3]);
    // Without enrollment a kiosk id is only a claim: naming it from another address neither spends
    // nor is refused by this kiosk's budget, and cannot cancel its sign-in.
    const elsewhere = await create(1, '198.51.100.4', { kioskId: 'busy-kiosk' });
    expect(elsewhere.status).toBe(201);
    const kept = await call<SessionView>(api(0), 'GET', `/api/sessions/${answers[2].body.id}`);
    expect(kept.body.status).toBe('pending');
    await cancelAll([...answers, elsewhere]);
  });

  it('refuses new sign-ins at the fleet-wide ceiling of pending ones, whatever the address', async () => {
    const answers: Array<Answer<SessionView>> = [];
    for (let i = 0; i < 7; i++) answers.push(await create(i, `203.0.113.${10 + i}`));
    expect(answers.slice(0, 6).map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expectRateLimited(answers[6]);
    expect((answers[6].body as unknown as { error: { message: string } }).error.message).toMatch(/fleet/);
    await cancelAll(answers);
    // Cancelled sign-ins no longer count.
    await expect.poll(async () => (await create(0, '203.0.113.99')).status, { timeout: 10_000 }).toBe(201);
  });

  it('refuses an address after repeated wrong operator passwords, even with the right one, on both processes', async () => {
    const wrong = `Basic ${Buffer.from('ops:not-the-password').toString('base64')}`;
    for (let i = 0; i < 4; i++) {
      const answer = await call(api(i), 'GET', '/admin/kiosks/ticket', { headers: from('192.0.2.50', { authorization: wrong }) });
      expect(answer.status).toBe(401);
    }
    expectRateLimited(
      await call(api(0), 'GET', '/admin/kiosks/ticket', { headers: from('192.0.2.50', { authorization: wrong }) }),
    );
    expectRateLimited(await call(api(1), 'GET', '/admin/kiosks/ticket', { headers: from('192.0.2.50', { authorization: OPS }) }));
    expect(
      (await call(api(1), 'GET', '/admin/kiosks/ticket', { headers: from('192.0.2.51', { authorization: OPS }) })).status,
    ).toBe(200);
    // A browser's first request without credentials (before its login prompt) is not a failure.
    for (let i = 0; i < 6; i++)
      expect((await call(api(i), 'GET', '/admin/kiosks', { headers: from('192.0.2.52') })).status).toBe(401);
    expect(
      (await call(api(0), 'GET', '/admin/kiosks/ticket', { headers: from('192.0.2.52', { authorization: OPS }) })).status,
    ).toBe(200);
  });

  it('refuses an address after repeated wrong integrator keys', async () => {
    const path = '/api/sessions/AAAAAAAAAAAAAAAAAAAAAA/token';
    for (let i = 0; i < 4; i++) {
      const answer = await call(api(i), 'GET', path, { headers: from('192.0.2.60', { authorization: 'Bearer guess' }) });
      expect(answer).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    }
    expectRateLimited(
      await call(api(0), 'GET', path, { headers: from('192.0.2.60', { authorization: `Bearer ${INTEGRATOR_KEY}` }) }),
    );
    // The right key from elsewhere still works (404: that session has no token).
    const fine = await call(api(1), 'GET', path, { headers: from('192.0.2.61', { authorization: `Bearer ${INTEGRATOR_KEY}` }) });
    expect(fine.status).toBe(404);
  });

  it('refuses an address after repeated forged fleet tickets', async () => {
    for (let i = 0; i < 4; i++) {
      const socket = connectSocketWithAuth(api(i), '192.0.2.70', { ticket: `${Date.now() + 60_000}.forged` });
      await expect(socket).rejects.toThrow('unauthorized');
    }
    await expect(connectSocketWithAuth(api(0), '192.0.2.70', { ticket: 'x.y' })).rejects.toThrow('rate_limited');
  });

  it('caps Socket.IO connections per address across both processes, and frees a slot on disconnect', async () => {
    const headers = from('192.0.2.80');
    const open: Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) open.push(await connectSocket(api(i), headers));
      await expect(connectSocket(api(1), headers)).rejects.toThrow('rate_limited');
      // Another address still connects.
      open.push(await connectSocket(api(1), from('192.0.2.81')));
      open.shift()!.close();
      await expect
        .poll(
          async () =>
            connectSocket(api(0), headers).then(
              (s) => (open.push(s), 'connected'),
              (err: Error) => err.message,
            ),
          { timeout: 10_000 },
        )
        .toBe('connected');
    } finally {
      for (const s of open) s.close();
    }
  });

  it('caps watches per connection', async () => {
    const sessions = await Promise.all([1, 2, 3].map((n) => create(n, `198.51.100.${40 + n}`)));
    const socket = await connectSocket(api(0), from('192.0.2.90'));
    try {
      expect(await watch(socket, sessions[0].body.id)).toMatchObject({ ok: true });
      expect(await watch(socket, sessions[1].body.id)).toMatchObject({ ok: true });
      // Watching one again is not another watch.
      expect(await watch(socket, sessions[1].body.id)).toMatchObject({ ok: true });
      expect(await watch(socket, sessions[2].body.id)).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
      socket.emit('session:unwatch', { id: sessions[0].body.id });
      expect(await watch(socket, sessions[2].body.id)).toMatchObject({ ok: true });
    } finally {
      socket.close();
      await cancelAll(sessions);
    }
  });
});

function connectSocketWithAuth(base: string, address: string, auth: Record<string, string>): Promise<Socket> {
  return import('socket.io-client').then(
    ({ io }) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = io(`${base}/admin`, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          auth,
          extraHeaders: { 'x-forwarded-for': address },
        });
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', (err) => {
          socket.close();
          reject(err);
        });
      }),
  );
}
