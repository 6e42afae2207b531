import { describe, expect, it } from 'vitest';
import { TokenSet } from '../device-flow/token-answer';
import { QUEUE_NAMES } from '../repositories/job.repository';
import { fakeRepositories, PERSON } from '../testing/fakes';
import { PollService } from './poll.service';
import { ProfileService } from './profile.service';
import { SessionService } from './session.service';
import { SessionStore } from './session.store';
import { TokenService } from './token.service';

function setUp() {
  const f = fakeRepositories();
  const store = new SessionStore(f.as.sessions, f.as.push, f.metrics);
  const tokens = new TokenService(store, f.as.webex, f.crypto, f.as.jobs, f.as.locks, f.clock, f.metrics);
  const profiles = new ProfileService(store, f.as.webex, tokens, f.clock, f.metrics);
  const polls = new PollService(store, f.as.webex, f.crypto, tokens, profiles, f.clock, f.metrics);
  const api = new SessionService(store, f.as.webex, f.crypto, f.as.jobs, f.clock, f.metrics);
  return { ...f, store, tokens, polls, api };
}

function tokenSet(now: number, overrides: Partial<TokenSet> = {}): TokenSet {
  return {
    accessToken: 'ACCESS-SECRET',
    refreshToken: 'REFRESH-SECRET',
    accessExpiresAt: now + 3_600_000,
    refreshExpiresAt: now + 90 * 86_400_000,
    scope: 'spark:all',
    ...overrides,
  };
}

describe('PollService', () => {
  it('schedules the first poll one interval after the authorize answer, and does not poll before it', async () => {
    const t = setUp();
    const view = await t.api.create({ kioskId: 'lobby-1' });
    expect(t.jobs.scheduled).toEqual([{ queue: QUEUE_NAMES.poll, id: view.id, at: t.clock.now() + 2000 }]);
    t.clock.advance(1999);
    expect(await t.polls.step(view.id, 1)).toEqual({ kind: 'later', at: t.clock.now() + 1 });
    expect(t.webex.polls).toBe(0);
  });

  it('waits a full interval after each pending answer, without a push', async () => {
    const t = setUp();
    const view = await t.api.create({});
    const pushes = t.push.views.length;
    t.clock.advance(2000);
    t.webex.onPoll = () => {
      t.clock.advance(300); // the answer takes 300 ms to come back
      return Promise.resolve();
    };
    expect(await t.polls.step(view.id, 1)).toEqual({ kind: 'later', at: t.clock.now() + 2000 });
    expect(t.push.views.length).toBe(pushes);
  });

  it('stores the tokens only encrypted, fetches the profile, and schedules the refresh', async () => {
    const t = setUp();
    const view = await t.api.create({});
    t.clock.advance(2000);
    t.webex.tokenAnswers.push({ kind: 'granted', tokens: tokenSet(t.clock.now()) });
    expect(await t.polls.step(view.id, 1)).toEqual({ kind: 'done' });
    const row = t.sessions.rows.get(view.id)!;
    expect(row.record).toMatchObject({ status: 'authorized', profile: PERSON });
    expect(row.sealedDeviceCode).toBeNull();
    expect(JSON.stringify(row)).not.toMatch(/ACCESS-SECRET|REFRESH-SECRET|DEVICE-CODE-SECRET/);
    expect(t.tokens.open(view.id, row.sealedTokens!).accessToken).toBe('ACCESS-SECRET');
    expect(t.push.views.at(-1)).toMatchObject({ status: 'authorized', profile: PERSON });
    expect(JSON.stringify(t.push.views)).not.toMatch(/SECRET/);
    const refresh = t.jobs.scheduled.find((j) => j.queue === QUEUE_NAMES.refresh)!;
    // 75–90 % into a one-hour lifetime.
    expect(refresh.at - t.clock.now()).toBeGreaterThanOrEqual(0.75 * 3_600_000);
    expect(refresh.at - t.clock.now()).toBeLessThanOrEqual(0.9 * 3_600_000);
  });

  it('drops the tokens when the kiosk cancelled while the granting poll was on the wire', async () => {
    const t = setUp();
    const view = await t.api.create({});
    t.clock.advance(2000);
    t.webex.tokenAnswers.push({ kind: 'granted', tokens: tokenSet(t.clock.now()) });
    t.webex.onPoll = async () => {
      await t.api.end(view.id);
    };
    expect(await t.polls.step(view.id, 1)).toEqual({ kind: 'done' });
    const row = t.sessions.rows.get(view.id)!;
    expect(row.record.status).toBe('cancelled');
    expect(row.sealedTokens).toBeNull();
    expect(t.jobs.scheduled.some((j) => j.queue === QUEUE_NAMES.refresh)).toBe(false);
  });

  it('refreshes once and retries when /people/me answers 401', async () => {
    const t = setUp();
    const view = await t.api.create({});
    t.clock.advance(2000);
    t.webex.tokenAnswers.push({ kind: 'granted', tokens: tokenSet(t.clock.now()) });
    t.webex.profileAnswers.push({ kind: 'unauthorized' });
    t.webex.refreshAnswers.push({
      kind: 'granted',
      tokens: tokenSet(t.clock.now(), { accessToken: 'NEW-ACCESS', refreshToken: '' }),
    });
    await t.polls.step(view.id, 1);
    const row = t.sessions.rows.get(view.id)!;
    expect(row.record.status).toBe('authorized');
    const tokens = t.tokens.open(view.id, row.sealedTokens!);
    // RFC 6749 §6: no new refresh token in the answer → the old one is kept.
    expect(tokens).toMatchObject({ accessToken: 'NEW-ACCESS', refreshToken: 'REFRESH-SECRET' });
  });

  it('after a crash mid-poll, a retried job waits out the interval from the saved poll start', async () => {
    const t = setUp();
    const view = await t.api.create({});
    t.clock.advance(2000);
    t.webex.onPoll = () => Promise.reject(new Error('worker died'));
    await expect(t.polls.step(view.id, 1)).rejects.toThrow('worker died');
    t.webex.onPoll = null;
    t.clock.advance(500);
    expect(await t.polls.step(view.id, 2)).toEqual({ kind: 'later', at: t.clock.now() + 1500 });
    expect(t.webex.polls).toBe(1);
  });

  it('expires by the local clock without asking Webex', async () => {
    const t = setUp();
    const view = await t.api.create({});
    t.clock.advance(300_000);
    expect(await t.polls.step(view.id, 1)).toEqual({ kind: 'done' });
    expect(t.webex.polls).toBe(0);
    expect(t.sessions.rows.get(view.id)!.record).toMatchObject({ status: 'expired', error: { code: 'expired_token' } });
  });

  it('pauses the whole queue on 429 and keeps the session pending', async () => {
    const t = setUp();
    const view = await t.api.create({});
    t.clock.advance(2000);
    t.webex.tokenAnswers.push({ kind: 'rate_limited', retryAfterMs: 7000 });
    expect(await t.polls.step(view.id, 1)).toEqual({ kind: 'paused', at: t.clock.now() + 7000, pauseMs: 7000 });
    expect(t.sessions.rows.get(view.id)!.record.status).toBe('pending');
  });

  it('a 429 on /people/me pauses every queue and retries the profile after Retry-After', async () => {
    const t = setUp();
    const view = await t.api.create({});
    t.clock.advance(2000);
    t.webex.tokenAnswers.push({ kind: 'granted', tokens: tokenSet(t.clock.now()) });
    t.webex.profileAnswers.push({ kind: 'rate_limited', retryAfter: '9' });
    expect(await t.polls.step(view.id, 1)).toEqual({ kind: 'paused', at: t.clock.now() + 9000, pauseMs: 9000 });
    expect(t.sessions.rows.get(view.id)!.record).toMatchObject({ status: 'pending', stage: 'profile' });
    t.clock.advance(9000);
    expect(await t.polls.step(view.id, 2)).toEqual({ kind: 'done' });
    expect(t.sessions.rows.get(view.id)!.record.status).toBe('authorized');
    expect(t.webex.polls).toBe(1);
  });

  it('starts no sign-in while Webex has the client id paused', async () => {
    const t = setUp();
    await t.jobs.pauseAll(5000);
    await expect(t.api.create({})).rejects.toMatchObject({ code: 'upstream_error', httpStatus: 502 });
    t.clock.advance(5000);
    await expect(t.api.create({})).resolves.toMatchObject({ status: 'pending' });
  });

  it('ends as failed and deletes the tokens when the refresh token is refused', async () => {
    const t = setUp();
    const view = await t.api.create({});
    t.clock.advance(2000);
    t.webex.tokenAnswers.push({ kind: 'granted', tokens: tokenSet(t.clock.now()) });
    await t.polls.step(view.id, 1);
    t.clock.advance(0.95 * 3_600_000);
    t.webex.refreshAnswers.push({ kind: 'fatal', code: 'invalid_grant', description: 'revoked' });
    expect(await t.tokens.refreshStep(view.id, 1)).toEqual({ kind: 'done' });
    const row = t.sessions.rows.get(view.id)!;
    expect(row.record).toMatchObject({ status: 'failed', error: { code: 'refresh_failed' } });
    expect(row.sealedTokens).toBeNull();
    expect(t.push.views.at(-1)).toMatchObject({ status: 'failed' });
  });
});
