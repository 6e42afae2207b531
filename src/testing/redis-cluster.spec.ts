import { connect } from 'node:net';
import Redis, { Cluster } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterNotReady, slotRanges, startRedisCluster, type TestCluster } from './redis-cluster';

/** Resolves with the connection error code, or 'connected' if something still listens there. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ask<T>(port: number, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

describe('startRedisCluster', () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.stopAndWait(5_000);
    cluster = undefined;
  });

  it('joins three primaries into one cluster that spreads keys over them, and stops them all', async () => {
    cluster = await startRedisCluster();
    const { nodes } = cluster;
    expect(nodes).toHaveLength(3);
    expect(cluster.env).toBe(nodes.map((n) => `127.0.0.1:${n.port}`).join(','));
    for (const n of nodes) {
      const info = await ask(n.port, (c) => c.call('CLUSTER', 'INFO'));
      expect(info).toMatch(/^cluster_state:ok\r?$/m);
      expect(info).toMatch(/^cluster_slots_assigned:16384\r?$/m);
      expect(info).toMatch(/^cluster_known_nodes:3\r?$/m);
    }

    // Slots 3300, 7365 and 15495: one in each third of the slot space.
    const keys = ['{b}:kiosk', '{c}:kiosk', '{a}:kiosk'];
    const client = new Cluster(
      nodes.map(({ host, port }) => ({ host, port })),
      { clusterRetryStrategy: () => null },
    );
    try {
      for (const key of keys) await client.set(key, key);
      expect(await Promise.all(keys.map((k) => client.get(k)))).toEqual(keys);
    } finally {
      client.disconnect();
    }
    // A node answers MOVED for a key it does not own, but KEYS lists only its own.
    const held = await Promise.all(nodes.map((n) => ask(n.port, (c) => c.keys('*'))));
    expect(held.map((k) => k.length)).toEqual([1, 1, 1]);
    expect(held.flat().sort()).toEqual([...keys].sort());

    await cluster.stopAndWait(5_000);
    for (const n of nodes) {
      expect(isAlive(n.pid)).toBe(false);
      expect(await tryConnect(n.port)).toBe('ECONNREFUSED');
      expect(await tryConnect(n.busPort)).toBe('ECONNREFUSED');
    }
  });

  it('kills one node on request and leaves the others running', async () => {
    cluster = await startRedisCluster({ primaries: 3 });
    const [first, second] = cluster.nodes;
    await cluster.kill(1, 'SIGKILL');
    expect(isAlive(second.pid)).toBe(false);
    expect(await tryConnect(second.port)).toBe('ECONNREFUSED');
    expect(await ask(first.port, (c) => c.ping())).toBe('PONG');
  });

  it('refuses a cluster size it cannot build', async () => {
    await expect(startRedisCluster({ primaries: 0 })).rejects.toThrow(/primaries/);
  });
});

describe('slotRanges', () => {
  it('covers every slot once, evenly', () => {
    expect(slotRanges(3)).toEqual([
      [0, 5460],
      [5461, 10921],
      [10922, 16383],
    ]);
    expect(slotRanges(1)).toEqual([[0, 16383]]);
  });
});

describe('clusterNotReady', () => {
  const info = (state: string, assigned = 16384) =>
    `cluster_state:${state}\r\ncluster_slots_assigned:${assigned}\r\ncluster_slots_ok:${assigned}\r\ncluster_known_nodes:2\r\n`;
  const me = 'aaaaaaaaaaaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191';
  const other = (flags: string, link = 'connected') => `bbbbbbbbbbbb 127.0.0.1:7001@17001 ${flags} - 0 1 2 ${link} 8192-16383`;

  it('is null once state, slots and every peer are good', () => {
    expect(clusterNotReady(info('ok'), `${me}\n${other('master')}\n`, 2)).toBeNull();
  });

  it('names what is still missing', () => {
    expect(clusterNotReady(info('fail'), `${me}\n${other('master')}`, 2)).toMatch(/cluster_state:fail/);
    expect(clusterNotReady(info('ok', 8192), `${me}\n${other('master')}`, 2)).toMatch(/cluster_slots_assigned:8192/);
    expect(clusterNotReady(info('ok'), me, 2)).toMatch(/knows 1 nodes, not 2/);
    expect(clusterNotReady(info('ok'), `${me}\n${other('master,handshake')}`, 2)).toMatch(/handshake/);
    expect(clusterNotReady(info('ok'), `${me}\n${other('master,fail?')}`, 2)).toMatch(/fail\?/);
    expect(clusterNotReady(info('ok'), `${me}\n${other('master', 'disconnected')}`, 2)).toMatch(/disconnected/);
  });
});
