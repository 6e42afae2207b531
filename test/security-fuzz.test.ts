import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from './support/processes';
import { connectSocket, watch } from './support/security';

/** Printable ASCII: what an HTTP header value may hold (fetch refuses the rest before sending). */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 });

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/JSON',
  '',
];

/**
 * Issue #12 acceptance, against the running service: random and malformed bodies, ids, headers and
 * socket payloads get a contract answer (a 2xx, or a 4xx with `{"error": {"code", "message"}}`),
 * never a 5xx or a stack trace; the process never crashes; and a bystander session never changes.
 */
describe('property-based: whatever a caller sends', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let service: Service;
  let bystander: SessionView;
  let bystanderSocket: Socket;
  const bystanderPushes: SessionView[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sim = await startSimulator({ SIM_EXPIRES_IN_S: '1800' });
    service = await startService({
      redisUrl: redis.url,
      simulatorUrl: sim.url,
      env: {
        INTEGRATOR_API_KEY: 'integrator-key-for-the-fuzz-test-0123456789',
        LIMIT_SESSIONS_PER_ADDRESS: '100000',
        LIMIT_SESSIONS_PER_KIOSK: '100000',
        LIMIT_PENDING_SIGNINS: '100000',
        // Wrong credentials are answered ever later until refused: reach the refusal quickly.
        LIMIT_AUTH_FAILURES: '3',
        LOG_LEVEL: 'warn',
      },
    });
    const res = await fetch(`${service.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    bystander = (await res.json()) as SessionView;
    bystanderSocket = await connectSocket(service.url);
    bystanderSocket.on('session:update', (v: SessionView) => bystanderPushes.push(v));
    expect(await watch(bystanderSocket, bystander.id)).toMatchObject({ ok: true });
  });

  afterAll(async () => {
    bystanderSocket?.close();
    await service?.stop();
    await sim?.stop();
    redis?.stop();
  });

  /** A contract answer; sessions it started are cancelled again so the run stays small. */
  async function expectContract(res: Response): Promise<void> {
    const text = await res.text();
    expect(res.status, text).toBeLessThan(500);
    expect(text).not.toMatch(/\bat .*\.js:\d+|<html|<pre/i);
    if (res.status >= 400) {
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = JSON.parse(text) as { error: { code: unknown; message: unknown } };
      expect(body.error.code).toEqual(expect.stringMatching(/^[a-z_]+$/));
      expect(body.error.message).toEqual(expect.any(String));
    } else if (res.status === 201) {
      const created = JSON.parse(text) as SessionView;
      expect(created.status).toBe('pending');
      await fetch(`${service.url}/api/sessions/${created.id}`, { method: 'DELETE' });
    }
  }

  it('answers any POST /api/sessions body and content type', async () => {
    const body = fc.oneof(
      fc.json(),
      fc.string({ maxLength: 300 }),
      fc
        .record({ kioskId: fc.oneof(fc.string({ maxLength: 80 }), fc.jsonValue()), extra: fc.jsonValue() }, { requiredKeys: [] })
        .map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(...CONTENT_TYPES), async (payload, type) => {
        const res = await fetch(`${service.url}/api/sessions`, {
          method: 'POST',
          headers: type ? { 'content-type': type } : {},
          body: payload,
        });
        await expectContract(res);
      }),
      { numRuns: 150 },
    );
  });

  it('answers any session id, method and sub-route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 200 }), fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/)),
        fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH', 'POST'),
        fc.constantFrom('', '/qr.svg', '/token', '/../..', '/x'),
        async (id, method, sub) => {
          const res = await fetch(`${service.url}/api/sessions/${encodeURIComponent(id)}${sub}`, {
            method,
            headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
            body: method === 'POST' ? '{}' : undefined,
          });
          await expectContract(res);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers any headers: cookies, credentials, forwarded addresses, request ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            cookie: headerText.map((v) => `kiosk_credential=${v}`),
            authorization: fc.oneof(
              headerText,
              headerText.map((v) => `Bearer ${v}`),
              headerText.map((v) => `Basic ${v}`),
            ),
            'x-forwarded-for': headerText,
            'x-request-id': headerText,
            origin: headerText,
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom(
          ['POST', '/api/sessions'],
          ['GET', `/api/sessions/AAAAAAAAAAAAAAAAAAAAAA`],
          ['GET', '/api/sessions/AAAAAAAAAAAAAAAAAAAAAA/token'],
          ['POST', '/api/enrollment'],
        ),
        async (headers, [method, path]) => {
          const res = await fetch(`${service.url}${path}`, {
            method,
            headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
            body: method === 'POST' ? JSON.stringify({ token: headers.cookie ?? '' }) : undefined,
          });
          await expectContract(res);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('acks any socket payload with a contract answer and keeps the connection', async () => {
    const socket = await connectSocket(service.url);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.jsonValue(), fc.record({ id: fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue()) })),
          fc.constantFrom('session:watch', 'session:unwatch', 'fleet:snapshot', 'nonsense'),
          async (payload, event) => {
            if (event !== 'session:watch') {
              socket.emit(event, payload);
              return;
            }
            const ack = (await socket.timeout(5_000).emitWithAck(event, payload)) as {
              ok: boolean;
              error?: { code: string; message: string };
            };
            expect(ack.ok).toBe(false);
            expect(ack.error).toEqual({ code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) });
          },
        ),
        { numRuns: 200 },
      );
      expect(socket.connected).toBe(true);
      expect(await watch(socket, bystander.id)).toMatchObject({ ok: true, session: { id: bystander.id } });
    } finally {
      socket.close();
    }
  });

  it('left the process running and the bystander session exactly as it was', async () => {
    expect(service.proc.exitCode).toBeNull();
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const now = (await (await fetch(`${service.url}/api/sessions/${bystander.id}`)).json()) as SessionView;
    expect(now).toEqual(bystander);
    expect(bystanderPushes).toEqual([]);
    expect(service.output()).not.toMatch(/\n\s+at .*\.js:\d+/);
  });
});
