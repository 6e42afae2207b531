import { describe, expect, it } from 'vitest';
import { TokenSet } from '../device-flow/token-answer';
import { QUEUE_NAMES } from '../repositories/job.repository';
import { fakeServices, PERSON } from '../testing/fakes';
import { sameHiddenClass } from '../testing/hidden-class';
import { DEADLINE_GRACE_MS } from './deadline.service';
import { HeldSignIn } from './poll.service';

function setUp() {
  const s = fakeServices();
  /** What a poller does when it claims the sign-in (new, or taken over from a poller that went quiet). */
  const hold = async (id: string, claim: { at: number; takenOver: boolean } = { at: 0, takenOver: false }): Promise<HeldSignIn> =>
    s.polls.hold((await s.store.get(id))!, claim)!;
  /** A new sign-in, held, its first poll due and Webex about to answer it with the token (one-hour access token). */
  const granting = async () => {
    const view = await s.api.create({});
    const held = await hold(view.id);
    s.clock.advance(2000);
    s.webex.tokenAnswers.push({ kind: 'granted', tokens: tokenSet(s.clock.now()) });
    return { view, held };
  };
  /** A sign-in whose first poll brought the token: authorized. */
  const signedIn = async () => {
    const { view, held } = await granting();
    await s.polls.step(held);
    return view;
  };
  return { ...s, hold, granting, signedIn };
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
  it('holds every sign-in in an object of one hidden class, new or taken over (the step reads it on each poll)', async () => {
    const t = setUp();
    // V8 shares a class among the first few objects of a kind whatever the code; a few dozen show it.
    const held: HeldSignIn[] = [];
    for (let i = 0; i < 40; i++) {
      const view = await t.api.create(i % 2 ? { kioskId: `lobby-${i}` } : {});
      held.push(await t.hold(view.id, { at: t.clock.now(), takenOver: i % 3 === 0 }));
    }
    for (const other of held.slice(1)) expect(sameHiddenClass(held[0], other)).toBe(true);
  });

  it('queues a new sign-in for its first poll one interval after the authorize answer, with a deadline job', async () => {
    const t = setUp();
    const view = await t.api.create({ kioskId: 'lobby-1' });
    expect(t.leases.due.get(view.id)).toBe(t.clock.now() + 2000);
    expect(t.jobs.scheduled).toEqual([
      { queue: QUEUE_NAMES.poll, id: view.id, at: Date.parse(view.expiresAt) + DEADLINE_GRACE_MS },
    ]);
    const held = await t.hold(view.id);
    t.clock.advance(1999);
    expect(await t.polls.step(held)).toEqual({ kind: 'later', at: t.clock.now() + 1 });
    expect(t.webex.polls).toBe(0);
  });

  it('waits a full interval after each pending answer, without a push or a write of the session', async () => {
    const t = setUp();
    const view = await t.api.create({});
    const held = await t.hold(view.id);
    const pushes = t.push.views.length;
    const rev = t.sessions.rows.get(view.id)!.rev;
    t.clock.advance(2000);
    t.webex.onPoll = () => {
      t.clock.advance(300); // the answer takes 300 ms to come back
      return Promise.resolve();
    };
    expect(await t.polls.step(held)).toEqual({ kind: 'later', at: t.clock.now() + 2000 });
    expect(t.push.views.length).toBe(pushes);
    expect(t.sessions.rows.get(view.id)!.rev).toBe(rev);
  });

  it('stores the tokens and the profile only encrypted, pushes the profile, and schedules the refresh', async () => {
    const t = setUp();
    const { view, held } = await t.granting();
    expect(await t.polls.step(held)).toEqual({ kind: 'done' });
    const row = t.sessions.rows.get(view.id)!;
    expect(row.record).toMatchObject({ status: 'authorized', profile: null });
    expect(row.sealedDeviceCode).toBeNull();
    expect(JSON.stringify(row)).not.toMatch(/ACCESS-SECRET|REFRESH-SECRET|DEVICE-CODE-SECRET|Ada Lovelace|ada@example/);
    expect((await t.store.get(view.id))!.record.profile).toEqual(PERSON);
    expect(t.tokens.open(view.id, row.sealedTokens!).accessToken).toBe('ACCESS-SECRET');
    expect(t.push.views.at(-1)).toMatchObject({ status: 'authorized', profile: PERSON });
    expect(JSON.stringify(t.push.views)).not.toMatch(/SECRET/);
    const refreshAt = t.refreshes.due.get(view.id)!;
    // 75–90 % into a one-hour lifetime.
    expect(refreshAt - t.clock.now()).toBeGreaterThanOrEqual(0.75 * 3_600_000);
    expect(refreshAt - t.clock.now()).toBeLessThanOrEqual(0.9 * 3_600_000);
  });

  it('reads the profile while the tokens are being stored: the push waits for one write, not two', async () => {
    const t = setUp();
    const { view, held } = await t.granting();
    let writesAnswered = 0;
    const update = t.sessions.update.bind(t.sessions);
    t.sessions.update = async (...args) => {
      const result = await update(...args);
      writesAnswered += 1;
      return result;
    };
    const reads: Array<{ token: string; writesAnswered: number }> = [];
    const getProfile = t.webex.getProfile.bind(t.webex);
    t.webex.getProfile = (token: string) => {
      reads.push({ token, writesAnswered });
      return getProfile();
    };
    expect(await t.polls.step(held)).toEqual({ kind: 'done' });
    // One read, sent before the write of the tokens was answered; then the write that authorizes.
    expect(reads).toEqual([{ token: 'ACCESS-SECRET', writesAnswered: 0 }]);
    expect(writesAnswered).toBe(2);
    const row = t.sessions.rows.get(view.id)!;
    expect(t.tokens.open(view.id, row.sealedTokens!).accessToken).toBe('ACCESS-SECRET');
    expect(t.push.views.at(-1)).toMatchObject({ status: 'authorized', profile: PERSON });
  });

  it('drops the tokens when the kiosk cancelled while the granting poll was on the wire', async () => {
    const t = setUp();
    const { view, held } = await t.granting();
    t.webex.onPoll = async () => {
      await t.api.end(view.id);
    };
    expect(await t.polls.step(held)).toEqual({ kind: 'done' });
    const row = t.sessions.rows.get(view.id)!;
    expect(row.record.status).toBe('cancelled');
    expect(row.sealedTokens).toBeNull();
    // The profile read with the token in hand is dropped with it: neither stored nor pushed.
    expect(row.sealedProfile).toBeNull();
    expect(t.push.views.map((v) => v.status)).not.toContain('authorized');
    expect(t.refreshes.scheduled).toEqual([]);
    // Every poller is told to drop it, and the deadline job goes.
    expect(t.leases.dropped).toEqual([view.id]);
    expect(t.control.messages).toContainEqual({ kind: 'cancel', id: view.id });
    expect(t.jobs.cancelled).toContainEqual({ queue: QUEUE_NAMES.poll, id: view.id });
  });

  it('refreshes once and retries when /people/me answers 401', async () => {
    const t = setUp();
    const { view, held } = await t.granting();
    t.webex.profileAnswers.push({ kind: 'unauthorized' });
    t.webex.refreshAnswers.push({
      kind: 'granted',
      tokens: tokenSet(t.clock.now(), { accessToken: 'NEW-ACCESS', refreshToken: '' }),
    });
    await t.polls.step(held);
    const row = t.sessions.rows.get(view.id)!;
    expect(row.record.status).toBe('authorized');
    const tokens = t.tokens.open(view.id, row.sealedTokens!);
    // RFC 6749 §6: no new refresh token in the answer → the old one is kept.
    expect(tokens).toMatchObject({ accessToken: 'NEW-ACCESS', refreshToken: 'REFRESH-SECRET' });
  });

  it("a poller taking a sign-in over waits a full interval from when the quiet poller's lease ran out", async () => {
    const t = setUp();
    const view = await t.api.create({});
    const first = await t.hold(view.id);
    t.clock.advance(2000);
    await t.polls.step(first); // the first poller polls, then goes quiet; it could poll until its lease ends
    t.clock.advance(30_000);
    const leaseEndedAt = t.clock.now() - 500; // noticed half a second after it ran out
    const second = await t.hold(view.id, { at: leaseEndedAt, takenOver: true });
    expect(await t.polls.step(second)).toEqual({ kind: 'later', at: leaseEndedAt + 2000 });
    t.clock.advance(1500);
    await t.polls.step(second);
    expect(t.webex.polls).toBe(2);
  });

  it('a sign-in handed back by a poller that stopped is not polled before the time it was handed back for', async () => {
    const t = setUp();
    const view = await t.api.create({});
    const first = await t.hold(view.id);
    t.clock.advance(2000);
    await t.polls.step(first); // answered now: the next poll is due in 2 s; then the poller stops
    const next = first.poll.nextPollAt;
    const second = await t.hold(view.id, { at: next, takenOver: false });
    expect(await t.polls.step(second)).toEqual({ kind: 'later', at: next });
    expect(t.webex.polls).toBe(1);
  });

  it('keeps a slow_down for good: the interval is stored, pushed, and a takeover uses it', async () => {
    const t = setUp();
    const view = await t.api.create({});
    const held = await t.hold(view.id);
    t.clock.advance(2000);
    t.webex.tokenAnswers.push({ kind: 'slow_down' });
    expect(await t.polls.step(held)).toEqual({ kind: 'later', at: t.clock.now() + 7000 });
    expect(t.push.views.at(-1)).toMatchObject({ status: 'pending', interval: 7 });
    const taken = await t.hold(view.id, { at: t.clock.now(), takenOver: true });
    expect(await t.polls.step(taken)).toEqual({ kind: 'later', at: t.clock.now() + 7000 });
  });

  it('stores an answer that could not be stored before polling again (Redis was away)', async () => {
    const t = setUp();
    const { view, held } = await t.granting();
    const update = t.sessions.update.bind(t.sessions);
    t.sessions.update = () => Promise.reject(new Error('Command timed out'));
    await expect(t.polls.step(held)).rejects.toThrow('Command timed out');
    t.sessions.update = update;
    expect(await t.polls.step(held)).toEqual({ kind: 'done' });
    expect(t.webex.polls).toBe(1);
    expect(t.sessions.rows.get(view.id)!.record.status).toBe('authorized');
  });

  it('expires by the local clock without asking Webex', async () => {
    const t = setUp();
    const view = await t.api.create({});
    const held = await t.hold(view.id);
    t.clock.advance(300_000);
    expect(await t.polls.step(held)).toEqual({ kind: 'done' });
    expect(t.webex.polls).toBe(0);
    expect(t.sessions.rows.get(view.id)!.record).toMatchObject({ status: 'expired', error: { code: 'expired_token' } });
    expect(t.sessions.rows.get(view.id)!.sealedDeviceCode).toBeNull();
  });

  it('asks for a pause of every caller on 429 and keeps the session pending', async () => {
    const t = setUp();
    const view = await t.api.create({});
    const held = await t.hold(view.id);
    t.clock.advance(2000);
    t.webex.tokenAnswers.push({ kind: 'rate_limited', retryAfterMs: 7000 });
    expect(await t.polls.step(held)).toEqual({ kind: 'paused', at: t.clock.now() + 7000, pauseMs: 7000 });
    expect(t.sessions.rows.get(view.id)!.record.status).toBe('pending');
  });

  it('a 429 on /people/me asks for a pause and reads the profile again after Retry-After', async () => {
    const t = setUp();
    const { view, held } = await t.granting();
    t.webex.profileAnswers.push({ kind: 'rate_limited', retryAfter: '9' });
    expect(await t.polls.step(held)).toEqual({ kind: 'paused', at: t.clock.now() + 9000, pauseMs: 9000 });
    expect(t.sessions.rows.get(view.id)!.record).toMatchObject({ status: 'pending', stage: 'profile' });
    t.clock.advance(9000);
    expect(await t.polls.step(held)).toEqual({ kind: 'done' });
    expect(t.sessions.rows.get(view.id)!.record.status).toBe('authorized');
    expect(t.webex.polls).toBe(1);
  });

  it('starts no sign-in while Webex has the client id paused', async () => {
    const t = setUp();
    await t.pauses.pause(5000);
    await expect(t.api.create({})).rejects.toMatchObject({ code: 'upstream_error', httpStatus: 502 });
    t.clock.advance(5000);
    await expect(t.api.create({})).resolves.toMatchObject({ status: 'pending' });
  });

  it('ends as failed and deletes the tokens and the profile when the refresh token is refused', async () => {
    const t = setUp();
    const view = await t.api.create({});
    await t.polls.step(await t.hold(view.id));
    t.clock.advance(2000);
    t.webex.tokenAnswers.push({ kind: 'granted', tokens: tokenSet(t.clock.now()) });
    await t.polls.step(await t.hold(view.id));
    t.clock.advance(0.95 * 3_600_000);
    t.webex.refreshAnswers.push({ kind: 'fatal', code: 'invalid_grant', description: 'revoked' });
    expect(await t.tokens.refreshStep(view.id)).toEqual({ kind: 'done' });
    const row = t.sessions.rows.get(view.id)!;
    expect(row.record).toMatchObject({ status: 'failed', error: { code: 'refresh_failed' }, profile: null });
    expect(row.sealedTokens).toBeNull();
    expect(row.sealedProfile).toBeNull();
    expect(t.push.views.at(-1)).toMatchObject({ status: 'failed', profile: null });
  });

  it('backs a failing refresh off for as long again as it is overdue, from 2 s up to a minute', async () => {
    const t = setUp();
    const view = await t.signedIn();
    // Due at 75 % of the one-hour lifetime at the earliest; the provider keeps failing.
    t.clock.advance(0.75 * 3_600_000);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const outcome = await t.tokens.refreshStep(view.id);
      expect(outcome.kind).toBe('later');
      const wait = (outcome as { at: number }).at - t.clock.now();
      waits.push(wait);
      t.clock.advance(wait);
    }
    // FakeClock.random() is 0.5: each wait is 1.125 × the base.
    expect(waits.map((w) => Math.round(w / 1.125))).toEqual([2_000, 2_250, 4_781, 10_160, 21_590, 45_879, 60_000, 60_000]);
    expect(t.sessions.rows.get(view.id)!.record.status).toBe('authorized');
  });

  it('holds a refresh back while a 429 pauses every call with the client id', async () => {
    const t = setUp();
    const view = await t.signedIn();
    t.clock.advance(0.8 * 3_600_000);
    await t.pauses.pause(30_000);
    t.webex.refreshAnswers.push({ kind: 'fatal', code: 'invalid_grant', description: 'would end the session' });
    expect(await t.tokens.refreshStep(view.id)).toEqual({ kind: 'later', at: t.clock.now() + 30_000 });
    expect(t.webex.refreshAnswers).toHaveLength(1);
    expect(t.sessions.rows.get(view.id)!.record.status).toBe('authorized');
  });

  it('a signed-out session keeps neither tokens nor profile', async () => {
    const t = setUp();
    const view = await t.signedIn();
    expect(await t.api.end(view.id)).toMatchObject({ status: 'signed_out', profile: null });
    const row = t.sessions.rows.get(view.id)!;
    expect([row.sealedTokens, row.sealedProfile, row.sealedDeviceCode, row.record.profile]).toEqual([null, null, null, null]);
    expect(t.refreshes.cancelled).toEqual([view.id]);
    expect(t.refreshes.due.has(view.id)).toBe(false);
  });
});

describe('DeadlineService', () => {
  it('waits for the deadline, then ends a sign-in no poller ended, and tells the pollers', async () => {
    const t = setUp();
    const view = await t.api.create({});
    const deadline = Date.parse(view.expiresAt) + DEADLINE_GRACE_MS;
    expect(await t.deadlines.step(view.id)).toEqual({ kind: 'later', at: deadline });
    t.clock.advance(deadline - t.clock.now());
    expect(await t.deadlines.step(view.id)).toEqual({ kind: 'done' });
    expect(t.sessions.rows.get(view.id)!.record).toMatchObject({ status: 'expired', error: { code: 'expired_token' } });
    expect(t.leases.dropped).toEqual([view.id]);
    expect(t.control.messages).toContainEqual({ kind: 'cancel', id: view.id });
    expect(t.push.views.at(-1)).toMatchObject({ status: 'expired' });
  });

  it('leaves a sign-in that already ended alone', async () => {
    const t = setUp();
    const view = await t.api.create({});
    await t.api.end(view.id);
    t.clock.advance(3_600_000);
    expect(await t.deadlines.step(view.id)).toEqual({ kind: 'done' });
    expect(t.sessions.rows.get(view.id)!.record.status).toBe('cancelled');
  });
});
