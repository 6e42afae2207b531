import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.loader';
import { configProblems } from '../testing/config';
import { bearerKeyProblem, dashboardPasswordProblem, isTriviallyRepetitive } from './secret-strength';

const PROD = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://127.0.0.1:6379',
  WEBEX_CLIENT_ID: 'id',
  WEBEX_CLIENT_SECRET: 'a-real-looking-client-secret',
  TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  DASHBOARD_USER: 'ops',
  DASHBOARD_PASSWORD: 'Zq8-mW2v-Rt5x-Lp0k',
};

const problems = configProblems;

describe('security configuration', () => {
  it('requires enrollment and closes /metrics in production, and keeps the demo open', () => {
    expect(loadConfig(PROD).security).toMatchObject({ kioskEnrollment: 'required', metrics: { public: false, token: null } });
    for (const NODE_ENV of ['development', 'test']) {
      expect(loadConfig({ NODE_ENV }).security).toMatchObject({ kioskEnrollment: 'open', metrics: { public: true } });
    }
    expect(loadConfig({ ...PROD, KIOSK_ENROLLMENT: 'open', METRICS_PUBLIC: 'true' }).security).toMatchObject({
      kioskEnrollment: 'open',
      metrics: { public: true },
    });
  });

  it('allows Socket.IO from PUBLIC_URL by default, or from the configured origins', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://kiosks.example.com/' }).security.socketOrigins).toEqual([
      'https://kiosks.example.com',
    ]);
    expect(loadConfig({ SOCKET_ORIGINS: 'https://a.example, http://b.example:8080/x' }).security.socketOrigins).toEqual([
      'https://a.example',
      'http://b.example:8080',
    ]);
    expect(problems({ SOCKET_ORIGINS: 'ftp://x' })).toEqual([expect.stringMatching(/^SOCKET_ORIGINS: /)]);
  });

  it('reads TRUST_PROXY as Express does: hop count, list, true/false; loopback by default', () => {
    expect(loadConfig({}).security.trustProxy).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: '2' }).security.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'false' }).security.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.1,uniquelocal' }).security.trustProxy).toEqual([
      '10.0.0.0/8',
      '192.0.2.1',
      'uniquelocal',
    ]);
    expect(problems({ TRUST_PROXY: 'nginx' })).toEqual([expect.stringMatching(/^TRUST_PROXY: .*"nginx"/)]);
  });

  it('has limits with defaults, each configurable', () => {
    expect(loadConfig({}).security.limits).toEqual({
      sessionsPerAddressPerMinute: 120,
      sessionsPerKioskPerMinute: 10,
      pendingSignIns: 5000,
      authFailures: 10,
      socketsPerAddress: 1000,
      watchesPerSocket: 100,
      exemptAddresses: [],
    });
    const limits = loadConfig({ LIMIT_PENDING_SIGNINS: '7', LIMIT_EXEMPT_ADDRESSES: '127.0.0.1,::1' }).security.limits;
    expect(limits).toMatchObject({ pendingSignIns: 7, exemptAddresses: ['127.0.0.1', '::1'] });
    expect(problems({ LIMIT_WATCHES_PER_SOCKET: '0' })).toEqual([expect.stringMatching(/^LIMIT_WATCHES_PER_SOCKET: /)]);
  });

  it('starts production with strong secrets', () => {
    expect(problems({ ...PROD, INTEGRATOR_API_KEY: randomBytes(32).toString('base64url') })).toEqual([]);
  });

  it('refuses weak or demo secrets in production, one line per problem', () => {
    const lines = problems({
      ...PROD,
      DASHBOARD_PASSWORD: 'short',
      INTEGRATOR_API_KEY: 'k'.repeat(40),
      METRICS_TOKEN: 'too-short',
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      WEBEX_CLIENT_SECRET: 'sim-client-secret',
    });
    expect(lines).toEqual([
      expect.stringMatching(/^DASHBOARD_PASSWORD: must be at least 12 characters/),
      expect.stringMatching(/^INTEGRATOR_API_KEY: is trivially repetitive/),
      expect.stringMatching(/^METRICS_TOKEN: must be at least 32 characters/),
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEY: is not random/),
      expect.stringMatching(/^WEBEX_CLIENT_SECRET: is the simulator demo secret/),
    ]);
    // Outside production the same values are fine (the tests and the demo use such values).
    expect(problems({ ...PROD, NODE_ENV: 'test', DASHBOARD_PASSWORD: 'short', INTEGRATOR_API_KEY: 'k' })).toEqual([]);
  });

  it('knows trivially repetitive and example values', () => {
    for (const bad of ['aaaaaaaaaaaaaaaa', 'abcabcabcabcabcabc', '1234567812345678', 'abababababababababababababababab']) {
      expect(isTriviallyRepetitive(bad), bad).toBe(true);
    }
    expect(isTriviallyRepetitive(randomBytes(24).toString('base64url'))).toBe(false);
    expect(dashboardPasswordProblem('correct-horse-battery', 'ops')).toMatch(/demo/);
    expect(dashboardPasswordProblem('operator-0001', 'operator-0001')).toMatch(/demo/);
    expect(bearerKeyProblem('0123456789abcdef0123456789abcdef')).toMatch(/repetitive/);
  });
});
