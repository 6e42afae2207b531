import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { createSession } from './support/kiosk-socket';
import { parsePrometheus } from './support/prometheus';
import { useStack } from './support/stack';

const SIGN_INS = 10;

/**
 * Redis replicates asynchronously: a failover can lose the last writes the old master answered. If
 * the lost write was a poller's claim, the promoted replica still lists the sign-in as waiting for
 * its first poll, and the poller that holds it (and polled it a moment ago) claims it again. It must
 * keep what it knows (when it last polled) and not poll again before the interval is over.
 */
describe('a poller whose claim a failover lost', () => {
  const t = useStack({ sim: { SIM_INTERVAL_S: '2' } });
  let admin: Redis;

  beforeAll(() => {
    admin = new Redis(t.redis.url);
  });
  afterAll(() => admin?.disconnect());

  /** Sign-ins held (and polled) by the only poller there is, and how to read the simulator's record of them. */
  async function heldSignIns() {
    const sessions: SessionView[] = [];
    for (let i = 0; i < SIGN_INS; i++) sessions.push(await createSession(t.service.url, { kioskId: `room-${i}` }));
    const codes = new Set(sessions.map((s) => s.userCode));
    const polls = async () => (await t.sim.control.polls()).filter((p) => codes.has(p.userCode!));
    const polledSince = async (at: number) => new Set((await polls()).filter((p) => p.at > at).map((p) => p.userCode)).size;
    await expect.poll(() => polledSince(0), { timeout: 15_000 }).toBe(SIGN_INS);
    const [poller] = await admin.smembers('{kiosk}:polls:pollers');
    return { sessions, polls, polledSince, owner: `{kiosk}:polls:owner:${poller}` };
  }

  /** Sign-ins the poller holds, over every shard (one here). */
  const held = async () =>
    parsePrometheus(await (await fetch(`${t.service.url}/metrics`)).text())
      .filter((m) => m.name === 'kiosk_sign_ins_held')
      .reduce((sum, m) => sum + m.value, 0);

  async function expectNoEarlyPoll(polls: () => Promise<Array<{ early: boolean }>>) {
    expect((await polls()).filter((p) => p.early)).toEqual([]);
    expect((await t.sim.control.stats()).earlyPolls).toBe(0);
  }

  it('claims its own sign-ins again without polling any of them early', async () => {
    const { sessions, polls, polledSince, owner } = await heldSignIns();

    // What the promoted replica would hold had the claims been lost: each sign-in back in the due
    // set (due long ago, at its first poll), in no poller's set.
    const lostAt = Date.now();
    const undo = admin.multi();
    for (const s of sessions) {
      undo.zrem(owner, s.id);
      undo.zadd('{kiosk}:polls:due', lostAt - 10_000, s.id);
    }
    await undo.exec();

    await expect.poll(() => admin.zcard('{kiosk}:polls:due'), { timeout: 5_000 }).toBe(0);
    // Held again, under a lease that reaches past the next poll, and polled on at the interval.
    for (const s of sessions) expect(Number(await admin.zscore(owner, s.id))).toBeGreaterThan(Date.now());
    await expect.poll(() => polledSince(lostAt + 2_500), { timeout: 15_000 }).toBe(SIGN_INS);
    await expectNoEarlyPoll(polls);

    for (const s of sessions) await t.sim.control.deny(s.userCode);
    await expect.poll(held, { timeout: 15_000 }).toBe(0);
  });

  it('polls none early when the poller had let them go before claiming them again', async () => {
    const { sessions, polls, polledSince, owner } = await heldSignIns();
    // The lost claims, seen first by the lease renewals after the next answers: the poller lets the
    // sign-ins go (as after a cancel or a takeover), forgetting when it polled them.
    await admin.zrem(owner, ...sessions.map((s) => s.id));
    await expect.poll(held, { timeout: 15_000 }).toBe(0);
    const lostAt = Date.now();
    await admin.zadd('{kiosk}:polls:due', ...sessions.flatMap((s) => [lostAt - 10_000, s.id]));

    await expect.poll(() => admin.zcard('{kiosk}:polls:due'), { timeout: 5_000 }).toBe(0);
    await expect.poll(() => polledSince(lostAt), { timeout: 15_000 }).toBe(SIGN_INS);
    await expectNoEarlyPoll(polls);
  });
});
