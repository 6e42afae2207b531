import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { Browser } from './phone-browser';

/**
 * A real, standards-conformant OpenID provider for the tests: node `oidc-provider` (certified
 * OpenID implementation) with RFC 8628 device flow, RFC 7009 revocation and its development
 * login/consent interactions, listening on loopback. People sign in by driving its real pages over
 * HTTP (user code form, confirmation, login, consent) exactly as a phone's browser would.
 *
 * A Koa middleware in front records every request as the provider saw it arrive, so tests can
 * prove the service never polled early; it can also reshape the device authorization answer the
 * way other providers send it (an `interval`, or no `verification_uri_complete` as Entra ID and
 * Google do).
 */

export const CLIENTS = {
  basic: { clientId: 'kiosk-basic', secret: 'basic-secret-0123456789abcdef', auth: 'client_secret_basic' },
  post: { clientId: 'kiosk-post', secret: 'post-secret-0123456789abcdef', auth: 'client_secret_post' },
  public: { clientId: 'kiosk-public', secret: null, auth: 'none' },
} as const;

export type ClientName = keyof typeof CLIENTS;

/**
 * The people who can sign in, as the provider's userinfo knows them (accountId → claims). Ada's
 * `picture` is served by the provider itself (`/avatars/ada.svg`), so a browser can load it.
 */
export const PEOPLE: Record<string, Record<string, unknown>> = {
  ada: {
    name: 'Ada Lovelace',
    given_name: 'Ada',
    family_name: 'Lovelace',
    email: 'ada@example.test',
    email_verified: true,
    phone_number: '+44 20 7946 0000',
    address: { country: 'GB' },
  },
  grace: { given_name: 'Grace', family_name: 'Hopper', email: 'grace@example.test' },
};

export interface RecordedRequest {
  /** Arrival at the provider, epoch ms (before the provider did anything with it). */
  at: number;
  method: string;
  path: string;
  status: number;
  clientId: string | null;
  clientAuth: string | null;
  grantType: string | null;
  /** The sign-in's user code (normalised, no dash), for device authorization and device-code token requests. */
  userCode: string | null;
  /** `error` of an error answer. */
  error: string | null;
  /** `token_type_hint` of a revocation request. */
  tokenTypeHint: string | null;
}

/** What tests may change while the provider runs (read whenever a token or answer is made). */
export interface IdpSettings {
  deviceCodeTtlS: number;
  accessTokenTtlS: number;
  /** Added to device authorization answers (oidc-provider sends none, which means 5 s). */
  intervalS: number | null;
  /** Drop `verification_uri_complete`, as Entra ID and Google never send it. */
  omitCompleteUri: boolean;
  /** `false`: a policy that issues no refresh tokens, even with `offline_access`. */
  issueRefreshTokens: boolean;
}

export interface IdpOptions extends Partial<IdpSettings> {
  /** `false`: a provider without RFC 8628 (no device_authorization_endpoint in its discovery). */
  deviceFlow?: boolean;
}

export interface TestIdp {
  issuer: string;
  settings: IdpSettings;
  requests: RecordedRequest[];
  /** Every device code and token the provider handed out, for "never in plain text" checks. */
  secrets: string[];
  /** Token requests with the device code of this user code, in arrival order. */
  pollsOf(userCode: string): RecordedRequest[];
  /** Device authorization answers, by user code: when the answer left the provider. */
  authorizedAt(userCode: string): number | undefined;
  /** A person enters the code, confirms, signs in as `accountId` and consents. */
  approve(userCode: string, accountId: string): Promise<void>;
  /** A person enters the code and presses "Abort" on the confirmation page. */
  deny(userCode: string): Promise<void>;
  /** HTTP status of the userinfo endpoint with this access token, as an integrator would call it. */
  userinfoStatus(accessToken: string): Promise<number>;
  close(): Promise<void>;
}

const normalise = (userCode: string) => userCode.replace(/[^A-Za-z0-9]/g, '').toUpperCase();

export async function startOidcProvider(options: IdpOptions = {}): Promise<TestIdp> {
  const { deviceFlow = true, ...initial } = options;
  const settings: IdpSettings = {
    deviceCodeTtlS: 120,
    accessTokenTtlS: 300,
    intervalS: null,
    omitCompleteUri: false,
    issueRefreshTokens: true,
    ...initial,
  };
  const requests: RecordedRequest[] = [];
  const secrets: string[] = [];
  const authorized = new Map<string, number>();
  const deviceCodes = new Map<string, string>(); // device_code → normalised user code

  // The issuer needs the port, and the port is known once listening: listen on a handler first.
  let handle: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
  const server: Server = createServer((req, res) => void handle?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: Object.values(CLIENTS).map((c) => ({
      client_id: c.clientId,
      ...(c.secret ? { client_secret: c.secret } : {}),
      token_endpoint_auth_method: c.auth,
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      application_type: 'native',
    })),
    features: {
      deviceFlow: { enabled: deviceFlow },
      revocation: { enabled: true },
      devInteractions: { enabled: true },
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'picture'],
      email: ['email', 'email_verified'],
      phone: ['phone_number'],
      address: ['address'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'phone', 'address'],
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, ...(PEOPLE[sub] ?? {}), ...(sub === 'ada' ? { picture: `${issuer}/avatars/ada.svg` } : {}) }),
    }),
    issueRefreshToken: (_ctx, client, code) =>
      settings.issueRefreshTokens && client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: {
      AccessToken: () => settings.accessTokenTtlS,
      DeviceCode: () => settings.deviceCodeTtlS,
      RefreshToken: 24 * 3600,
      Grant: 24 * 3600,
      Session: 3600,
      Interaction: 600,
      IdToken: 3600,
    },
    cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
    // The development keystore and interactions are fine for a loopback test provider.
  });
  provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider server_error: ${String(err)}\n`));

  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    if (ctx.path === '/avatars/ada.svg') {
      ctx.type = 'image/svg+xml';
      ctx.body = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="5" fill="#6a5acd"/></svg>';
      return;
    }
    const at = Date.now();
    await next();
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    const params = (oidc?.params ?? {}) as Record<string, unknown>;
    const body = (typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {}) as Record<string, unknown>;
    if (oidc?.route === 'device_authorization' && typeof body.device_code === 'string' && typeof body.user_code === 'string') {
      deviceCodes.set(body.device_code, normalise(body.user_code));
      authorized.set(normalise(body.user_code), Date.now());
      if (settings.intervalS !== null) body.interval = settings.intervalS;
      if (settings.omitCompleteUri) delete body.verification_uri_complete;
    }
    for (const field of ['device_code', 'access_token', 'refresh_token', 'id_token']) {
      if (typeof body[field] === 'string') secrets.push(body[field]);
    }
    const deviceCode = typeof params.device_code === 'string' ? params.device_code : null;
    requests.push({
      at,
      method: ctx.method,
      path: ctx.path,
      status: ctx.status,
      clientId: oidc?.client?.clientId ?? null,
      clientAuth: oidc?.client?.clientAuthMethod ?? null,
      grantType: typeof params.grant_type === 'string' ? params.grant_type : null,
      userCode: deviceCode
        ? (deviceCodes.get(deviceCode) ?? null)
        : typeof body.user_code === 'string'
          ? normalise(body.user_code)
          : null,
      error: typeof body.error === 'string' ? body.error : null,
      tokenTypeHint: typeof params.token_type_hint === 'string' ? params.token_type_hint : null,
    });
  });

  handle = provider.callback();

  const browse = (userCode: string) => new Browser(issuer).enterCode(userCode);
  return {
    issuer,
    settings,
    requests,
    secrets,
    pollsOf: (userCode) =>
      requests.filter((r) => r.path === '/token' && r.grantType?.endsWith(':device_code') && r.userCode === normalise(userCode)),
    authorizedAt: (userCode) => authorized.get(normalise(userCode)),
    approve: async (userCode, accountId) => (await browse(userCode)).confirmAndSignIn(accountId),
    deny: async (userCode) => (await browse(userCode)).abort(),
    userinfoStatus: async (accessToken) =>
      (await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
