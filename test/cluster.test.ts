import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../src/domain/session';
import { Shards } from '../src/domain/shards';
import { startRedisCluster, type TestCluster } from '../src/testing/redis-cluster';
import { parsePrometheus } from './support/prometheus';
import { fleetSnapshot, openFleetSocket } from './support/fleet-socket';
import { createSession, KioskSocket } from './support/kiosk-socket';
import { Service, Simulator, startService, startSimulator } from './support/processes';

const SHARDS = 4;
const PER_SHARD = 3;
const MAX_SIGN_INS = 120;
const OPS = `Basic ${Buffer.from('ops:correct-horse-battery').toString('base64')}`;

/**
 * A three-primary Redis Cluster with sign-ins sharded over `REDIS_SHARDS` hash tags: two API and two
 * worker processes serve them end to end (pushes through Socket.IO's sharded adapter), and a worker
 * SIGKILLed while it polls loses nothing.
 */
/** One command on one node, outside the cluster client (to see where keys and channels live). */
async function onNode<T>(node: { host: string; port: number }, run: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: node.host, port: node.port, lazyConnect: true });
  await redis.connect();
  try {
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

describe('Redis Cluster, sharded', () => {
  let cluster: TestCluster;
  let sim: Simulator;
  let apis: Service[] = [];
  let workers: Service[] = [];
  let kiosk: KioskSocket;
  const shards = new Shards('kiosk', SHARDS);

  const env = () => ({
    REDIS_CLUSTER_NODES: cluster.env,
    REDIS_SHARDS: String(SHARDS),
    WORKER_LOCK_MS: '3000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    WEBEX_TIMEOUT_MS: '1000',
  });
  const start = (role: 'api' | 'worker') => startService({ redisUrl: null, simulatorUrl: sim.url, role, env: env() });

  beforeAll(async () => {
    cluster = await startRedisCluster({ primaries: 3 });
    sim = await startSimulator({ SIM_INTERVAL_S: '1' });
    [apis, workers] = await Promise.all([
      Promise.all([start('api'), start('api')]),
      Promise.all([start('worker'), start('worker')]),
    ]);
    kiosk = await KioskSocket.connect(apis[1].url);
  });

  afterAll(async () => {
    kiosk?.close();
    await Promise.all([...apis, ...workers].map((p) => p.stop('SIGKILL')));
    await sim?.stop();
    await cluster?.stopAndWait(5_000);
  });

  it('spreads sign-ins over every shard and every primary, serves them end to end, and survives a worker SIGKILL', async () => {
    // Sessions created through the first API process until every shard has a few.
    const sessions: SessionView[] = [];
    const perShard = new Map<number, number>();
    while (sessions.length < MAX_SIGN_INS && shards.all.some((s) => (perShard.get(s) ?? 0) < PER_SHARD)) {
      const view = await createSession(apis[0].url, { kioskId: `room-${sessions.length}` });
      sessions.push(view);
      perShard.set(shards.of(view.id), (perShard.get(shards.of(view.id)) ?? 0) + 1);
    }
    for (const s of shards.all) expect(perShard.get(s) ?? 0).toBeGreaterThanOrEqual(PER_SHARD);
    // … watched through the other one: every push crosses processes over sharded pub/sub.
    for (const s of sessions) expect(await kiosk.watch({ id: s.id })).toMatchObject({ ok: true });

    // The shards' tags hash to slots on every primary, so each primary holds sessions; the kiosk's
    // watches are sharded pub/sub channels (one per room), none of them classic.
    const shardChannels: string[] = [];
    for (const node of cluster.nodes) {
      const keys = await onNode(node, (r) => r.keys('{kiosk-*}:session:*'));
      expect(keys.length, `sessions on ${node.host}:${node.port}`).toBeGreaterThan(0);
      shardChannels.push(
        ...(await onNode(node, (r) => r.call('PUBSUB', 'SHARDCHANNELS', 'kiosk:socket.io#*') as Promise<string[]>)),
      );
      expect(await onNode(node, (r) => r.pubsub('CHANNELS', '*socket.io*'))).toEqual([]);
    }
    for (const s of sessions) expect(shardChannels).toContain(`kiosk:socket.io#/#session:${s.id}#`);

    // Every sign-in is being polled; then a worker holding them dies mid-poll.
    const codes = new Set(sessions.map((s) => s.userCode));
    const polled = async () =>
      new Set((await sim.control.polls()).filter((p) => p.userCode && codes.has(p.userCode)).map((p) => p.userCode));
    await expect.poll(async () => (await polled()).size, { timeout: 20_000 }).toBe(sessions.length);
    // The fleet view lists them all as pending: each shard's pollers read on the node holding its slot.
    const fleet = await openFleetSocket(apis[0].url, OPS);
    try {
      const listed = new Map((await fleetSnapshot(fleet)).sessions.map((v) => [v.id, v.status]));
      for (const s of sessions) expect(listed.get(s.id), s.id).toBe('pending');
    } finally {
      fleet.close();
    }
    const heldBy = async (pid: number) => {
      let n = 0;
      for (const node of cluster.nodes) {
        for (const key of await onNode(node, (r) => r.keys(`{kiosk-*}:polls:owner:*:${pid}:*`)))
          n += await onNode(node, (r) => r.zcard(key));
      }
      return n;
    };
    // The worker holding more of them is the one killed (claims come in batches, so one worker may
    // hold them all).
    const held = await Promise.all(workers.map((w) => heldBy(w.proc.pid!)));
    expect(held[0] + held[1]).toBe(sessions.length);
    const victim = held[0] >= held[1] ? 0 : 1;
    expect(held[victim]).toBeGreaterThan(0);
    await workers[victim].stop('SIGKILL');

    // A few kiosks cancel (through the other API process): the poller holding each hears it on the
    // control channel and polls it no more.
    const cancelled = sessions.filter((_, i) => i % 7 === 3);
    for (const s of cancelled)
      expect((await fetch(`${apis[0].url}/api/sessions/${s.id}`, { method: 'DELETE' })).status).toBe(200);
    const cancelledAt = Date.now();
    for (const s of cancelled) await kiosk.next((v) => v.id === s.id && v.status === 'cancelled', 10_000);

    // People decide: most approve, a few deny. Every kiosk hears its own outcome.
    const deciding = sessions.filter((s) => !cancelled.includes(s));
    const denied = new Set(deciding.filter((_, i) => i % 5 === 0).map((s) => s.id));
    for (const s of deciding) await (denied.has(s.id) ? sim.control.deny(s.userCode) : sim.control.approve(s.userCode));
    for (const s of deciding) {
      const status = denied.has(s.id) ? 'denied' : 'authorized';
      await kiosk.next((v) => v.id === s.id && v.status === status, 30_000);
    }
    // Requests on the wire at the cancel may still land just after it; none starts later.
    const cancelledCodes = new Set(cancelled.map((s) => s.userCode));
    const lateForCancelled = (await sim.control.polls()).filter(
      (p) => p.userCode && cancelledCodes.has(p.userCode) && p.at > cancelledAt + 500,
    );
    expect(lateForCancelled).toEqual([]);

    const stats = await sim.control.stats();
    expect(stats.earlyPolls).toBe(0);
    expect(stats.doubleRedemptions).toBe(0);
    expect(stats.afterTerminal).toBe(0);

    // The dashboard lists every shard's queues, and metrics are labelled by shard.
    const board = await fetch(`${apis[0].url}/admin/queues/api/queues`, {
      headers: { authorization: OPS },
    });
    expect(board.status).toBe(200);
    const names = ((await board.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names.sort()).toEqual(shards.all.map((s) => `shard ${s} · device-poll`).sort());
    const metrics = parsePrometheus(await (await fetch(`${apis[0].url}/metrics`, { headers: { authorization: OPS } })).text());
    const refreshes = metrics.filter((m) => m.name === 'kiosk_token_refreshes_scheduled');
    expect(new Set(refreshes.map((m) => m.labels.shard))).toEqual(new Set(shards.all.map(String)));
    const scheduled = refreshes.reduce((sum, m) => sum + m.value, 0);
    expect(scheduled).toBe(deciding.length - denied.size);
  });
});
