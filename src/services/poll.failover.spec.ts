import { describe, expect, it } from 'vitest';
import { ReplicationUnconfirmedError } from '../repositories/replication.repository';
import { StoredSession } from '../repositories/session.repository';
import { fakeServices } from '../testing/fakes';

function setUp() {
  return fakeServices();
}

/**
 * The next write matching `when` is applied, and then its answer is lost, as when the Redis master
 * dies between applying a write and confirming it (the write may well survive on the promoted replica).
 */
function loseAnswerOnce(t: ReturnType<typeof setUp>, when: (value: Omit<StoredSession, 'rev'>) => boolean): void {
  const update = t.sessions.update.bind(t.sessions);
  let armed = true;
  t.sessions.update = async (id, rev, value, ...rest) => {
    const result = await update(id, rev, value, ...rest);
    if (armed && result === 'ok' && when(value)) {
      armed = false;
      throw new ReplicationUnconfirmedError();
    }
    return result;
  };
}

const granted = (now: number) => ({
  kind: 'granted' as const,
  tokens: {
    accessToken: 'ACCESS-SECRET',
    refreshToken: 'REFRESH-SECRET',
    accessExpiresAt: now + 3_600_000,
    refreshExpiresAt: now + 90 * 86_400_000,
    scope: 'spark:all',
  },
});

describe('PollService across a Redis failover', () => {
  it('goes on with a grant whose write landed although its answer was lost, without polling again', async () => {
    const t = setUp();
    const view = await t.api.create({});
    const held = t.polls.hold((await t.store.get(view.id))!, { at: 0, takenOver: false })!;
    t.clock.advance(2000);
    t.webex.tokenAnswers.push(granted(t.clock.now()));
    loseAnswerOnce(t, (value) => value.record.stage === 'profile' && value.record.status === 'pending');

    await expect(t.polls.step(held)).rejects.toBeInstanceOf(ReplicationUnconfirmedError);
    // The poller keeps the answer and stores it before anything else; it finds its own tokens there.
    expect(held.unsaved).toMatchObject({ kind: 'granted' });
    t.clock.advance(1000);
    expect(await t.polls.step(held)).toEqual({ kind: 'done' });

    expect(t.webex.polls).toBe(1);
    expect(t.sessions.rows.get(view.id)!.record.status).toBe('authorized');
    expect(t.push.views.at(-1)).toMatchObject({ id: view.id, status: 'authorized' });
  });

  it('pushes once and keeps the refresh the authorizing write scheduled when its confirmation was lost', async () => {
    const t = setUp();
    const view = await t.api.create({});
    const held = t.polls.hold((await t.store.get(view.id))!, { at: 0, takenOver: false })!;
    t.clock.advance(2000);
    t.webex.tokenAnswers.push(granted(t.clock.now()));
    loseAnswerOnce(t, (value) => value.record.status === 'authorized');

    await expect(t.polls.step(held)).rejects.toBeInstanceOf(ReplicationUnconfirmedError);
    // The write that landed scheduled the refresh with the status; the retry leaves that time alone.
    const scheduled = [...t.refreshes.scheduled];
    expect(scheduled).toEqual([{ id: view.id, at: expect.any(Number) as number }]);
    expect(await t.polls.step(held)).toEqual({ kind: 'done' });

    expect(t.sessions.rows.get(view.id)!.record.status).toBe('authorized');
    expect(t.refreshes.scheduled).toEqual(scheduled);
    // The kiosk heard of it once, when Redis said the write was applied (the retry changed nothing).
    expect(t.push.views.filter((v) => v.id === view.id && v.status === 'authorized')).toHaveLength(1);
    expect(t.webex.polls).toBe(1);
  });
});
