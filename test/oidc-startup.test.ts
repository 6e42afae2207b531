import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/demo/redis-server';
import { CLIENTS, startOidcProvider, type TestIdp } from './support/oidc-provider';
import { runNode, TEST_KEY } from './support/processes';

/** Bad OIDC configuration stops the start, before anything else runs, with one clear line each. */
describe('starting with AUTH_PROVIDER=oidc and a bad configuration', () => {
  let noDeviceFlow: TestIdp;
  let silent: Server;
  let silentPort: number;
  const held = new Set<Socket>();

  beforeAll(async () => {
    // A real OpenID provider, but without RFC 8628: its discovery has no device_authorization_endpoint.
    noDeviceFlow = await startOidcProvider({ deviceFlow: false });
    // Accepts connections and never answers: discovery must time out, not hang the start.
    silent = createServer((socket) => void held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });

  afterAll(async () => {
    await noDeviceFlow?.close();
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  /** Runs the service with `env`; resolves with its exit code and its `config error:` lines. */
  async function start(env: Record<string, string>): Promise<{ code: number | null; lines: string[]; output: string }> {
    const service = runNode('dist/src/main.js', {
      PORT: String(await freePort()),
      AUTH_PROVIDER: 'oidc',
      OIDC_CLIENT_ID: CLIENTS.basic.clientId,
      OIDC_CLIENT_SECRET: CLIENTS.basic.secret,
      ...env,
    });
    const code = await new Promise<number | null>((resolve) => service.proc.once('exit', resolve));
    const output = service.output();
    return { code, lines: output.split('\n').filter((l) => l.startsWith('config error:')), output };
  }

  function expectOneLine(result: { code: number | null; lines: string[]; output: string }, pattern: RegExp): void {
    expect(result.code).toBe(1);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatch(pattern);
    expect(result.output).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.output).not.toContain('is running');
    expect(result.output).not.toContain(CLIENTS.basic.secret);
  }

  it('an unreachable issuer', async () => {
    const port = await freePort(); // nothing listens there
    const result = await start({ OIDC_ISSUER: `http://127.0.0.1:${port}` });
    expectOneLine(
      result,
      new RegExp(
        `^config error: OIDC_ISSUER: discovery at http://127\\.0\\.0\\.1:${port}/\\.well-known/openid-configuration failed: the issuer could not be reached \\(.*ECONNREFUSED.*\\)$`,
      ),
    );
  });

  it('an issuer that does not answer within OIDC_TIMEOUT_MS', async () => {
    const result = await start({ OIDC_ISSUER: `http://127.0.0.1:${silentPort}`, OIDC_TIMEOUT_MS: '500' });
    expectOneLine(result, /^config error: OIDC_ISSUER: discovery at .* failed: the issuer could not be reached \(timed out\)$/);
  });

  it('a discovery document without a device authorization endpoint', async () => {
    const result = await start({ OIDC_ISSUER: noDeviceFlow.issuer });
    expectOneLine(
      result,
      /^config error: OIDC_ISSUER: http:\/\/127\.0\.0\.1:\d+ publishes no device_authorization_endpoint \(RFC 8628\).*set OIDC_DEVICE_AUTHORIZATION_URL if it has one$/,
    );
  });

  it('an unknown client authentication method', async () => {
    const result = await start({ OIDC_ISSUER: noDeviceFlow.issuer, OIDC_CLIENT_AUTH: 'private_key_jwt' });
    expectOneLine(result, /^config error: OIDC_CLIENT_AUTH: .*"client_secret_basic".*"client_secret_post".*"none"/);
  });

  it('an issuer that is not https in production', async () => {
    const result = await start({
      NODE_ENV: 'production',
      OIDC_ISSUER: 'http://sso.example.test/realms/acme',
      REDIS_URL: 'redis://127.0.0.1:1',
      TOKEN_ENCRYPTION_KEY: TEST_KEY,
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'Vq3-lK8r-Zt2w-Pm6x',
    });
    expectOneLine(result, /^config error: OIDC_ISSUER: must be https when NODE_ENV=production$/);
  });
});
