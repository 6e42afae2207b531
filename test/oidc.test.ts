import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { createSession, KioskSocket } from './support/kiosk-socket';
import { CLIENTS, type ClientName, startOidcProvider, type TestIdp } from './support/oidc-provider';
import { type Service, startRedis, type TestRedis } from './support/processes';
import { INTEGRATOR_KEY, startOidcService } from './support/oidc-service';
import { dumpRedis } from './support/redis-dump';

/**
 * Sign-in against a real OpenID provider (node oidc-provider, RFC 8628 device flow on) on
 * loopback, with the service as a real process from dist/: discovery, device authorization,
 * polls while pending, approval through the provider's own pages, token, userinfo, refresh,
 * revocation at sign-out, denial and expiry — once per client authentication method.
 */

/** Ada as the kiosk gets her: userinfo mapped, her phone number and address left behind. */
const ada = () => ({
  id: 'ada',
  displayName: 'Ada Lovelace',
  emails: ['ada@example.test'],
  avatar: `${idp.issuer}/avatars/ada.svg`,
  orgId: null,
});

interface Variant {
  client: ClientName;
  /** What the provider's device authorization answer carries (null: oidc-provider's own, no interval). */
  intervalS: number | null;
  /** The provider sends no verification_uri_complete (as Entra ID and Google). */
  omitCompleteUri: boolean;
  /** OIDC_PROVIDER_NAME, or unset (then the issuer's host). */
  name: string | null;
}

const VARIANTS: Variant[] = [
  { client: 'basic', intervalS: 2, omitCompleteUri: false, name: 'Test IdP' },
  { client: 'post', intervalS: 2, omitCompleteUri: true, name: 'Contoso' },
  // Missing interval → 5 s (RFC 8628 §3.2), exactly as oidc-provider answers.
  { client: 'public', intervalS: null, omitCompleteUri: false, name: null },
];

let redis: TestRedis;
let idp: TestIdp;

beforeAll(async () => {
  [redis, idp] = await Promise.all([startRedis(), startOidcProvider()]);
});

afterAll(async () => {
  await idp?.close();
  redis?.stop();
});

function startFor(variant: Variant): Promise<Service> {
  return startOidcService({ redisUrl: redis.url, issuer: idp.issuer, client: variant.client, name: variant.name });
}

describe.each(VARIANTS)('OIDC sign-in with $client client authentication', (variant) => {
  const client = CLIENTS[variant.client];
  const interval = variant.intervalS ?? 5;
  const providerName = variant.name ?? '127.0.0.1';
  let service: Service;
  let kiosk: KioskSocket;
  const sessions: SessionView[] = [];

  beforeAll(async () => {
    Object.assign(idp.settings, {
      intervalS: variant.intervalS,
      omitCompleteUri: variant.omitCompleteUri,
      deviceCodeTtlS: 120,
      accessTokenTtlS: 300,
      issueRefreshTokens: true,
    });
    const discoveries = idp.requests.filter((r) => r.path === '/.well-known/openid-configuration').length;
    service = await startFor(variant);
    // Discovery ran once, at start.
    expect(idp.requests.filter((r) => r.path === '/.well-known/openid-configuration')).toHaveLength(discoveries + 1);
    kiosk = await KioskSocket.connect(service.url);
  });

  afterAll(async () => {
    kiosk?.close();
    await service?.stop();
  });

  async function started(): Promise<SessionView> {
    const session = await createSession(service.url);
    expect(await kiosk.watch({ id: session.id })).toMatchObject({ ok: true, session: { status: 'pending' } });
    sessions.push(session);
    return session;
  }

  /** RFC 8628 §3.5 as the provider saw it: first poll ≥ interval after the answer, then ≥ interval apart. */
  function expectNoEarlyPoll(session: SessionView): void {
    const polls = idp.pollsOf(session.userCode);
    const answeredAt = idp.authorizedAt(session.userCode)!;
    if (polls.length > 0) expect(polls[0].at - answeredAt).toBeGreaterThanOrEqual(interval * 1000);
    for (let i = 1; i < polls.length; i++) expect(polls[i].at - polls[i - 1].at).toBeGreaterThanOrEqual(interval * 1000);
    for (const poll of polls) expect(poll).toMatchObject({ clientId: client.clientId, clientAuth: client.auth });
  }

  function token(id: string): Promise<Response> {
    return fetch(`${service.url}/api/sessions/${id}/token`, { headers: { authorization: `Bearer ${INTEGRATOR_KEY}` } });
  }

  it('names the provider for the kiosk page', async () => {
    const res = await fetch(`${service.url}/api/provider`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ kind: 'oidc', name: providerName });
  });

  it('polls while pending (never early), then pushes authorized with the userinfo profile', async () => {
    const session = await started();
    expect(session).toMatchObject({
      status: 'pending',
      provider: { kind: 'oidc', name: providerName },
      interval,
      verificationUri: `${idp.issuer}/device`,
      verificationUriComplete: variant.omitCompleteUri
        ? `${idp.issuer}/device` // nothing invented: the QR opens the page and the code is typed
        : `${idp.issuer}/device?user_code=${encodeURIComponent(session.userCode)}`,
    });
    await expect.poll(() => idp.pollsOf(session.userCode).length, { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(2);
    expect(idp.pollsOf(session.userCode).every((p) => p.error === 'authorization_pending')).toBe(true);

    await idp.approve(session.userCode, 'ada');
    const pushed = await kiosk.next((v) => v.id === session.id && v.status === 'authorized', 20_000);
    expect(pushed.profile).toEqual(ada());
    expect(pushed.error).toBeNull();

    const polls = idp.pollsOf(session.userCode);
    expect(polls.at(-1)).toMatchObject({ status: 200, error: null });
    expect(polls.slice(0, -1).every((p) => p.error === 'authorization_pending')).toBe(true);
    expectNoEarlyPoll(session);
    expect(idp.requests.some((r) => r.path === '/me' && r.status === 200 && r.at > polls.at(-1)!.at)).toBe(true);

    // The integrator API hands out the provider's access token, which the provider accepts.
    const res = await token(session.id);
    expect(res.status).toBe(200);
    const { accessToken } = (await res.json()) as { accessToken: string };
    expect(await idp.userinfoStatus(accessToken)).toBe(200);
  });

  it('refreshes before the access token expires, keeps the session, and revokes the grant at sign-out', async () => {
    idp.settings.accessTokenTtlS = 4;
    try {
      const session = await started();
      await idp.approve(session.userCode, 'grace');
      const authorized = await kiosk.next((v) => v.id === session.id && v.status === 'authorized', 20_000);
      expect(authorized.profile).toMatchObject({ id: 'grace', displayName: 'Grace Hopper', avatar: null });
      const refreshesAfter = (at: number) =>
        idp.requests.filter(
          (r) => r.path === '/token' && r.grantType === 'refresh_token' && r.clientId === client.clientId && r.at > at,
        );
      const grantedAt = idp.pollsOf(session.userCode).at(-1)!.at;
      await expect.poll(() => refreshesAfter(grantedAt).length, { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(2);
      const refreshes = refreshesAfter(grantedAt);
      expect(refreshes.every((r) => r.status === 200 && r.clientAuth === client.auth)).toBe(true);
      // The first refresh came before the first 4 s access token expired.
      expect(refreshes[0].at - grantedAt).toBeLessThan(4000);

      const res = await token(session.id);
      expect(res.status).toBe(200);
      const { accessToken } = (await res.json()) as { accessToken: string };
      expect(await idp.userinfoStatus(accessToken)).toBe(200);
      expect((await (await fetch(`${service.url}/api/sessions/${session.id}`)).json()) as SessionView).toMatchObject({
        status: 'authorized',
      });

      const signOut = Date.now();
      const ended = await fetch(`${service.url}/api/sessions/${session.id}`, { method: 'DELETE' });
      expect(await ended.json()).toMatchObject({ status: 'signed_out' });
      // RFC 7009: the refresh token is revoked, which ends the whole grant at the provider.
      await expect
        .poll(() => idp.requests.filter((r) => r.path === '/token/revocation' && r.at >= signOut), {
          timeout: 10_000,
          interval: 100,
        })
        .toEqual([expect.objectContaining({ status: 200, tokenTypeHint: 'refresh_token', clientAuth: client.auth })]);
      expect(await idp.userinfoStatus(accessToken)).toBe(401);
      expect((await token(session.id)).status).toBe(404);
    } finally {
      idp.settings.accessTokenTtlS = 300;
    }
  });

  it('ends as denied when the person aborts on the provider’s page, and polls no more', async () => {
    const session = await started();
    await idp.deny(session.userCode);
    const pushed = await kiosk.next((v) => v.id === session.id && v.status === 'denied', 20_000);
    expect(pushed.error).toMatchObject({ code: 'access_denied' });
    expect(idp.pollsOf(session.userCode).at(-1)).toMatchObject({ error: 'access_denied' });
    expectNoEarlyPoll(session);
  });

  it('ends as expired when nobody approves before the code expires', async () => {
    // Long enough for a pending poll or two, then the code dies unapproved.
    const ttlS = interval + 3;
    idp.settings.deviceCodeTtlS = ttlS;
    try {
      const session = await started();
      expect(Date.parse(session.expiresAt) - Date.parse(session.createdAt)).toBeLessThanOrEqual(ttlS * 1000);
      const pushed = await kiosk.next((v) => v.id === session.id && v.status === 'expired', 20_000);
      expect(pushed.error).toMatchObject({ code: 'expired_token' });
      const polls = idp.pollsOf(session.userCode);
      // oidc-provider counts a code's life in whole seconds (its `exp` is the second it was issued
      // in, plus the TTL), so it may call the code dead up to a second before `expires_in` runs
      // out by our clock: the last poll may be answered `expired_token`. Nothing else.
      expect(polls.length).toBeGreaterThan(0);
      const last = polls[polls.length - 1];
      expect(polls.slice(0, -1).every((p) => p.error === 'authorization_pending')).toBe(true);
      expect(['authorization_pending', 'expired_token']).toContain(last.error);
      expect(polls.every((p) => p.at <= Date.parse(session.expiresAt))).toBe(true);
      expectNoEarlyPoll(session);
    } finally {
      idp.settings.deviceCodeTtlS = 120;
    }
  });

  it('keeps the provider’s tokens and device codes out of Redis, pushes, views and logs', async () => {
    const session = await started(); // one pending, its device code stored (encrypted)
    expect(idp.secrets.length).toBeGreaterThanOrEqual(4);
    const dump = await dumpRedis(redis.url);
    const pushes = JSON.stringify(kiosk.updates);
    const view = JSON.stringify(await (await fetch(`${service.url}/api/sessions/${session.id}`)).json());
    for (const secret of idp.secrets) {
      expect(dump).not.toContain(secret);
      expect(pushes).not.toContain(secret);
      expect(view).not.toContain(secret);
      expect(service.output()).not.toContain(secret);
    }
    if (client.secret) expect(service.output()).not.toContain(client.secret);
    await fetch(`${service.url}/api/sessions/${session.id}`, { method: 'DELETE' });
  });

  // Last, so the earlier sign-ins had several intervals in which a stray poll would have shown.
  it('never polled early, nor after a final answer or expiry, across all sign-ins of this client', () => {
    expect(sessions.length).toBeGreaterThanOrEqual(4);
    for (const session of sessions) {
      expectNoEarlyPoll(session);
      const polls = idp.pollsOf(session.userCode);
      const final = polls.findIndex((p) => p.error !== 'authorization_pending' && p.error !== 'slow_down');
      if (final >= 0) expect(polls.slice(final + 1)).toEqual([]);
      expect(polls.every((p) => p.at <= Date.parse(session.expiresAt))).toBe(true);
    }
  });
});

describe('a provider that issues no refresh token', () => {
  const variant: Variant = { client: 'basic', intervalS: 1, omitCompleteUri: true, name: 'Entra-like' };
  let service: Service;
  let kiosk: KioskSocket;

  beforeAll(async () => {
    Object.assign(idp.settings, { intervalS: 1, omitCompleteUri: true, accessTokenTtlS: 4, issueRefreshTokens: false });
    service = await startFor(variant);
    kiosk = await KioskSocket.connect(service.url);
  });

  afterAll(async () => {
    kiosk?.close();
    await service?.stop();
    Object.assign(idp.settings, { accessTokenTtlS: 300, issueRefreshTokens: true });
  });

  it('signs in, then ends the session when the access token expires and tells the kiosk', async () => {
    const session = await createSession(service.url);
    await kiosk.watch({ id: session.id });
    await idp.approve(session.userCode, 'ada');
    const authorized = await kiosk.next((v) => v.id === session.id && v.status === 'authorized', 20_000);
    expect(authorized.profile).toEqual(ada());
    const grantedAt = idp.pollsOf(session.userCode).at(-1)!.at;

    const ended = await kiosk.next((v) => v.id === session.id && v.status === 'expired', 20_000);
    expect(ended.error).toMatchObject({ code: 'session_expired' });
    // Not before the 4 s access token expired, and without a single refresh request.
    expect(Date.parse(ended.updatedAt) - grantedAt).toBeGreaterThanOrEqual(4000 - 50);
    expect(idp.requests.filter((r) => r.grantType === 'refresh_token' && r.at > grantedAt)).toEqual([]);
    const res = await fetch(`${service.url}/api/sessions/${session.id}/token`, {
      headers: { authorization: `Bearer ${INTEGRATOR_KEY}` },
    });
    expect(res.status).toBe(404);
  });
});
