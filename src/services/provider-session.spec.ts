import { describe, expect, it } from 'vitest';
import { TokenSet } from '../device-flow/token-answer';
import { retentionMs, SessionRecord, SessionView } from '../domain/session';
import { fakeRepositories, fakeServices, PERSON } from '../testing/fakes';

/** What the services do differently for a provider other than Webex: naming, revocation, no refresh token. */
function setUp() {
  const f = fakeRepositories();
  f.webex.description = { kind: 'oidc', name: 'Contoso' };
  f.webex.revokeOutcome = 'revoked';
  return fakeServices(f);
}

type T = ReturnType<typeof setUp>;

/** A session the provider granted `tokens` for, signed in (however the polls got there). */
async function signedIn(t: T, tokens: Partial<TokenSet> = {}): Promise<SessionView> {
  const view = await t.api.create({ kioskId: 'lobby-1' });
  const now = t.clock.now();
  const set: TokenSet = {
    accessToken: 'ACCESS-SECRET',
    refreshToken: 'REFRESH-SECRET',
    accessExpiresAt: now + 600_000,
    refreshExpiresAt: null,
    scope: 'openid profile email',
    ...tokens,
  };
  await t.store.transition(view.id, (cur) => {
    const record: SessionRecord = {
      ...cur.record,
      status: 'authorized',
      profile: PERSON,
      updatedAt: now + 1,
      accessIssuedAt: now,
      accessExpiresAt: set.accessExpiresAt,
    };
    return { record, ttlMs: retentionMs(record, now), sealedTokens: t.tokens.seal(view.id, set), sealedDeviceCode: null };
  });
  return view;
}

/** Lets the fire-and-forget revocation after a DELETE run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the provider on sessions', () => {
  it('names the provider on every SessionView, pushes included', async () => {
    const t = setUp();
    const view = await t.api.create({});
    expect(view.provider).toEqual({ kind: 'oidc', name: 'Contoso' });
    expect(t.push.created.at(-1)?.provider).toEqual({ kind: 'oidc', name: 'Contoso' });
    expect((await t.api.get(view.id)).provider).toEqual({ kind: 'oidc', name: 'Contoso' });
  });

  it('shows sessions stored before providers existed as Webex sessions', async () => {
    const t = setUp();
    const view = await t.api.create({});
    const row = t.sessions.rows.get(view.id)!;
    delete row.record.provider;
    expect((await t.api.get(view.id)).provider).toEqual({ kind: 'webex', name: 'Webex' });
  });

  it('never shows more of a stored profile than the contract names', async () => {
    const t = setUp();
    const view = await signedIn(t);
    const row = t.sessions.rows.get(view.id)!;
    row.record.profile = { ...PERSON, phoneNumbers: ['+1 555'], title: 'CTO' } as typeof PERSON;
    expect((await t.api.get(view.id)).profile).toEqual(PERSON);
  });
});

describe('sign-out revokes at the provider (RFC 7009)', () => {
  it('revokes the refresh token once, after the tokens are gone from storage', async () => {
    const t = setUp();
    const view = await signedIn(t);
    expect(await t.api.end(view.id)).toMatchObject({ status: 'signed_out' });
    expect(t.sessions.rows.get(view.id)!.sealedTokens).toBeNull();
    await settle();
    expect(t.webex.revoked).toEqual([{ token: 'REFRESH-SECRET', hint: 'refresh_token' }]);
    await t.api.end(view.id);
    await settle();
    expect(t.webex.revoked).toHaveLength(1);
  });

  it('revokes the access token when there is no refresh token', async () => {
    const t = setUp();
    const view = await signedIn(t, { refreshToken: '' });
    await t.api.end(view.id);
    await settle();
    expect(t.webex.revoked).toEqual([{ token: 'ACCESS-SECRET', hint: 'access_token' }]);
  });

  it('revokes nothing when a pending sign-in is cancelled', async () => {
    const t = setUp();
    const view = await t.api.create({});
    await t.api.end(view.id);
    await settle();
    expect(t.webex.revoked).toEqual([]);
  });

  it('signs out even when revocation fails', async () => {
    const t = setUp();
    t.webex.revoke = () => Promise.reject(new Error('provider down'));
    const view = await signedIn(t);
    expect(await t.api.end(view.id)).toMatchObject({ status: 'signed_out' });
    await settle();
  });
});

describe('a provider that gives no refresh token', () => {
  it('keeps the person signed in until the access token expires, then ends the session and tells the kiosk', async () => {
    const t = setUp();
    const view = await signedIn(t, { refreshToken: '', accessExpiresAt: t.clock.now() + 600_000 });
    // The refresh comes at 75–90 % of the lifetime: nothing to refresh with, so it waits for expiry.
    t.clock.advance(500_000);
    expect(await t.tokens.refreshStep(view.id)).toEqual({ kind: 'later', at: Date.parse(view.createdAt) + 600_000 });
    expect(t.sessions.rows.get(view.id)!.record.status).toBe('authorized');
    t.clock.advance(100_000);
    expect(await t.tokens.refreshStep(view.id)).toEqual({ kind: 'done' });
    const row = t.sessions.rows.get(view.id)!;
    expect(row.record).toMatchObject({ status: 'expired', error: { code: 'session_expired' } });
    expect(row.sealedTokens).toBeNull();
    expect(t.push.views.at(-1)).toMatchObject({ id: view.id, status: 'expired', error: { code: 'session_expired' } });
    expect(t.webex.refreshAnswers).toEqual([]);
  });

  it('hands the integrator the access token while it lasts, then nothing', async () => {
    const t = setUp();
    const view = await signedIn(t, { refreshToken: '', accessExpiresAt: t.clock.now() + 600_000 });
    t.clock.advance(590_000); // 10 s left: less than the minute a refresh would promise
    expect(await t.tokens.freshAccessToken(view.id)).toEqual({
      accessToken: 'ACCESS-SECRET',
      expiresAt: Date.parse(view.createdAt) + 600_000,
    });
    t.clock.advance(10_000);
    await expect(t.tokens.freshAccessToken(view.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});
