import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/demo/redis-server';
import { runNode, Service, Simulator, startRedis, startService, startSimulator, TestRedis } from './support/processes';
import { call, connectSocket } from './support/security';

const PASSWORD = 'Zq8-mW2v-Rt5x-Lp0k';
const OPERATOR = `Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}`;
const METRICS_TOKEN = randomBytes(32).toString('base64url');

/**
 * A production process reached over https (PUBLIC_URL), as behind a TLS-terminating proxy:
 * security headers, no-store, /metrics closed, Socket.IO origins, client addresses in the logs.
 */
describe('HTTP hardening in production', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let service: Service;

  beforeAll(async () => {
    redis = await startRedis();
    sim = await startSimulator();
    service = await startService({
      redisUrl: redis.url,
      simulatorUrl: sim.url,
      env: {
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://kiosks.example.test',
        TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        DASHBOARD_PASSWORD: PASSWORD,
        METRICS_TOKEN,
      },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await sim?.stop();
    redis?.stop();
  });

  it.each([
    ['the kiosk page', '/', {}],
    ['the enrollment page', '/enroll', {}],
    ['the fleet view', '/admin/kiosks', { authorization: OPERATOR }],
    ['the queue dashboard', '/admin/queues', { authorization: OPERATOR }],
    ['an API answer', '/api/sessions/AAAAAAAAAAAAAAAAAAAAAA', {}],
  ])('sends the security headers with %s', async (_name, path, headers) => {
    const res = await fetch(`${service.url}${path}`, { headers });
    expect(res.status).toBeLessThan(500);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d{7,}/);
  });

  it('serves the pages without inline scripts', async () => {
    for (const [path, headers] of [
      ['/', {}],
      ['/enroll', {}],
      ['/admin/kiosks', { authorization: OPERATOR }],
      ['/admin/queues', { authorization: OPERATOR }],
    ] as const) {
      const html = await (await fetch(`${service.url}${path}`, { headers })).text();
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length, path).toBeGreaterThan(0);
      for (const [, attrs, body] of scripts) {
        // A script either loads a file, or is data the browser never runs (bull-board's JSON config).
        expect(/\bsrc=/.test(attrs) || /type="application\/json"/.test(attrs), `${path}: ${attrs}`).toBe(true);
        if (/\bsrc=/.test(attrs)) expect(body.trim()).toBe('');
      }
      expect(html).not.toContain('fonts.googleapis.com');
    }
  });

  it('marks every API answer no-store, errors included', async () => {
    const answers = await Promise.all([
      fetch(`${service.url}/api/sessions/AAAAAAAAAAAAAAAAAAAAAA`),
      fetch(`${service.url}/api/sessions`, { method: 'POST' }),
      fetch(`${service.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      fetch(`${service.url}/api/nothing`),
    ]);
    expect(answers.map((r) => r.status)).toEqual([403, 415, 403, 404]);
    for (const res of answers) expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('sends no ETag with API answers, probes and metrics: none is cached, and Express would hash each body for one', async () => {
    const answers = await Promise.all([
      fetch(`${service.url}/api/sessions/AAAAAAAAAAAAAAAAAAAAAA`),
      fetch(`${service.url}/healthz`),
      fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([403, 200, 200]);
    for (const res of answers) expect(res.headers.get('etag')).toBeNull();
  });

  it('requires enrollment by default in production, with a __Host- Secure credential on https', async () => {
    const link = await call<{ url: string }>(service.url, 'POST', '/admin/kiosks/enrollments', {
      body: { kioskId: 'lobby-1' },
      headers: { authorization: OPERATOR },
    });
    expect(link.body.url).toMatch(/^https:\/\/kiosks\.example\.test\/enroll#/);
    const token = new URL(link.body.url).hash.slice(1);
    const redeemed = await call(service.url, 'POST', '/api/enrollment', { body: { token } });
    const setCookie = redeemed.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^__Host-kiosk_credential=k1~lobby-1~/);
    expect(setCookie).toMatch(/; Secure/i);
    expect(setCookie).toMatch(/; Path=\//i);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Strict/i);
  });

  it('guards /metrics with the dashboard credentials or the metrics token', async () => {
    const scrape = (authorization?: string) =>
      fetch(`${service.url}/metrics`, { headers: authorization ? { authorization } : {} }).then((r) => r.status);
    expect(await scrape()).toBe(401);
    expect(await scrape('Bearer wrong-token')).toBe(401);
    expect(await scrape(`Bearer ${METRICS_TOKEN}`)).toBe(200);
    expect(await scrape(OPERATOR)).toBe(200);
  });

  it('accepts Socket.IO only from PUBLIC_URL, the same host, or non-browser clients', async () => {
    await expect(connectSocket(service.url, { origin: 'https://evil.example' })).rejects.toThrow();
    // These pass the origin check and meet the next one: this kiosk is not enrolled.
    for (const origin of ['https://kiosks.example.test', service.url]) {
      await expect(connectSocket(service.url, { origin })).rejects.toThrow('kiosk_not_enrolled');
    }
    await expect(connectSocket(service.url)).rejects.toThrow('kiosk_not_enrolled');
  });

  it('logs the client address of every request, from X-Forwarded-For only via a trusted proxy', async () => {
    await fetch(`${service.url}/api/sessions/AAAAAAAAAAAAAAAAAAAAAA?trace=xff`, {
      headers: { 'x-forwarded-for': '203.0.113.77' },
    });
    const requestLine = () =>
      service
        .output()
        .split('\n')
        .find((line) => line.includes('trace=xff'));
    await expect.poll(requestLine, { timeout: 5_000 }).toBeDefined();
    // The request's own line: its id, the client address, and the session its path names.
    expect(JSON.parse(requestLine()!)).toMatchObject({
      msg: 'request completed',
      req: { id: expect.any(String), url: expect.stringContaining('trace=xff') },
      clientAddress: '203.0.113.77',
      sessionId: 'AAAAAAAAAAAAAAAAAAAAAA',
    });
  });
});

describe('production start-up', () => {
  it('refuses weak or demo secrets, one line per problem', async () => {
    const service = runNode('dist/src/main.js', {
      NODE_ENV: 'production',
      PORT: String(await freePort()),
      REDIS_URL: 'redis://127.0.0.1:1',
      WEBEX_CLIENT_ID: 'id',
      WEBEX_CLIENT_SECRET: 'sim-client-secret',
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'short',
      INTEGRATOR_API_KEY: 'ab'.repeat(20),
    });
    const code = await new Promise<number | null>((resolve) => service.proc.once('exit', resolve));
    expect(code).toBe(1);
    const lines = service.output().trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^config error: DASHBOARD_PASSWORD: must be at least 12 characters/),
        expect.stringMatching(/^config error: INTEGRATOR_API_KEY: is trivially repetitive/),
        expect.stringMatching(/^config error: TOKEN_ENCRYPTION_KEY: is not random/),
        expect.stringMatching(/^config error: WEBEX_CLIENT_SECRET: is the simulator demo secret/),
      ]),
    );
    expect(lines).toHaveLength(4);
    expect(service.output()).not.toContain('short');
  });
});
