import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readEnvironment } from './config.loader';
import { configProblems } from '../testing/config';

const KEY = Buffer.alloc(32, 1).toString('base64');

const problems = configProblems;

describe('loadConfig', () => {
  it('runs demo mode with nothing configured', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      role: 'all',
      http: { port: 3000, host: '0.0.0.0', publicUrl: 'http://localhost:3000' },
      redis: { url: null },
      webex: { simulated: true, apiBase: 'http://127.0.0.1:3000/sim/v1', scopes: 'spark:all meeting:recordings_read' },
      dashboard: { generated: true },
      tokenKeys: { generated: true },
      integratorApiKey: null,
    });
    expect(config.tokenKeys.keys[0]).toHaveLength(32);
    expect(config.dashboard.password.length).toBeGreaterThanOrEqual(12);
  });

  it('builds PUBLIC_URL from PORT and keeps a configured one without its trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).http.publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'http://192.0.2.10:3000/' }).http.publicUrl).toBe('http://192.0.2.10:3000');
  });

  it("keeps Socket.IO's heartbeat unless told otherwise", () => {
    expect(loadConfig({}).sockets).toEqual({ pingIntervalMs: 25_000, pingTimeoutMs: 20_000 });
    expect(loadConfig({ SOCKET_PING_INTERVAL_MS: '50000', SOCKET_PING_TIMEOUT_MS: '30000' }).sockets).toEqual({
      pingIntervalMs: 50_000,
      pingTimeoutMs: 30_000,
    });
  });

  it('uses real Webex when a client id is set', () => {
    const config = loadConfig({
      WEBEX_CLIENT_ID: 'id',
      WEBEX_CLIENT_SECRET: 'secret',
      WEBEX_SCOPES: '  spark:all   spark:people_read ',
    });
    expect(config.webex).toMatchObject({
      simulated: false,
      apiBase: 'https://webexapis.com/v1',
      clientId: 'id',
      scopes: 'spark:all spark:people_read',
    });
  });

  it('says every problem in production on one line each', () => {
    const lines = problems({ NODE_ENV: 'production' });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^REDIS_URL: required/),
        expect.stringMatching(/^WEBEX_CLIENT_ID: required/),
        expect.stringMatching(/^TOKEN_ENCRYPTION_KEY: required/),
        expect.stringMatching(/^DASHBOARD_USER, DASHBOARD_PASSWORD: required/),
      ]),
    );
    for (const line of lines) expect(line).not.toContain('\n');
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT:/],
    [{ PORT: '70000' }, /^PORT:/],
    [{ ROLE: 'both' }, /^ROLE:/],
    [{ REDIS_URL: 'http://localhost' }, /^REDIS_URL:/],
    [{ TOKEN_ENCRYPTION_KEY: 'c2hvcnQ=' }, /^TOKEN_ENCRYPTION_KEY: must be 32 bytes/],
    [{ WEBEX_CLIENT_ID: 'id' }, /^WEBEX_CLIENT_SECRET: required/],
    [{ ROLE: 'worker', TOKEN_ENCRYPTION_KEY: KEY }, /^WEBEX_CLIENT_ID: required for ROLE=worker/],
    [{ ROLE: 'api', WEBEX_CLIENT_ID: 'i', WEBEX_CLIENT_SECRET: 's' }, /^TOKEN_ENCRYPTION_KEY: required for ROLE=api/],
    [{ PUBLIC_URL: 'ftp://x' }, /^PUBLIC_URL:/],
    [{ TOKEN_ENCRYPTION_KEYS_PREVIOUS: `${KEY},bad` }, /^TOKEN_ENCRYPTION_KEYS_PREVIOUS:/],
    [{ SOCKET_PING_INTERVAL_MS: '500' }, /^SOCKET_PING_INTERVAL_MS:/],
    [{ SOCKET_PING_INTERVAL_MS: '3600000' }, /^SOCKET_PING_INTERVAL_MS:/],
    [{ SOCKET_PING_TIMEOUT_MS: '20s' }, /^SOCKET_PING_TIMEOUT_MS:/],
  ])('refuses %j', (env, line) => {
    expect(problems(env)).toEqual(expect.arrayContaining([expect.stringMatching(line)]));
  });

  it('reads secrets from X_FILE, and refuses both X and X_FILE or an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-config-'));
    writeFileSync(join(dir, 'secret'), 'from-a-file\n');
    const config = loadConfig({ WEBEX_CLIENT_ID: 'id', WEBEX_CLIENT_SECRET_FILE: join(dir, 'secret') });
    expect(config.webex.clientSecret).toBe('from-a-file');
    expect(problems({ WEBEX_CLIENT_SECRET: 'a', WEBEX_CLIENT_SECRET_FILE: join(dir, 'secret') })).toEqual([
      expect.stringMatching(/choose one/),
    ]);
    expect(problems({ INTEGRATOR_API_KEY_FILE: join(dir, 'missing') })).toEqual([
      expect.stringMatching(/cannot read .* \(ENOENT\)/),
    ]);
  });

  it('keeps previous encryption keys for reading', () => {
    const old = Buffer.alloc(32, 2).toString('base64');
    const config = loadConfig({ TOKEN_ENCRYPTION_KEY: KEY, TOKEN_ENCRYPTION_KEYS_PREVIOUS: old });
    expect(config.tokenKeys.keys.map((k) => k.toString('base64'))).toEqual([KEY, old]);
  });

  it('lets the real environment win over .env', () => {
    const env = readEnvironment({ PORT: '4000' }, 'PORT=5000\nROLE=api\n');
    expect(env).toMatchObject({ PORT: '4000', ROLE: 'api' });
  });
});
