import { freePort } from '../../src/demo/redis-server';
import { CLIENTS, type ClientName } from './oidc-provider';
import { runNode, type Service, TEST_KEY } from './processes';

export const INTEGRATOR_KEY = 'integrator-key-0123456789abcdef0123';

/** The service as `npm run start:prod` runs it with AUTH_PROVIDER=oidc, against a test provider. */
export async function startOidcService(opts: {
  redisUrl: string;
  issuer: string;
  client: ClientName;
  /** OIDC_PROVIDER_NAME; unset: derived from the issuer's host. */
  name?: string | null;
  env?: Record<string, string>;
}): Promise<Service> {
  const client = CLIENTS[opts.client];
  const port = await freePort();
  const running = runNode('dist/src/main.js', {
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: `oidc-${opts.client}`,
    TOKEN_ENCRYPTION_KEY: TEST_KEY,
    DASHBOARD_USER: 'ops',
    DASHBOARD_PASSWORD: 'correct-horse-battery',
    INTEGRATOR_API_KEY: INTEGRATOR_KEY,
    LOG_LEVEL: 'info',
    AUTH_PROVIDER: 'oidc',
    OIDC_ISSUER: opts.issuer,
    OIDC_CLIENT_ID: client.clientId,
    OIDC_CLIENT_AUTH: client.auth,
    ...(client.secret ? { OIDC_CLIENT_SECRET: client.secret } : {}),
    ...(opts.name ? { OIDC_PROVIDER_NAME: opts.name } : {}),
    ...opts.env,
  });
  await running.waitFor('is running.');
  return { ...running, url: `http://127.0.0.1:${port}`, port };
}
