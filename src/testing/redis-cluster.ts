import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from '../demo/redis-server';

/** Every Redis Cluster has exactly this many hash slots. */
export const CLUSTER_SLOTS = 16_384;
const HOST = '127.0.0.1';
const MAX_PRIMARIES = 32;

export interface ClusterNodeProcess {
  host: string;
  port: number;
  /** The cluster bus port: chosen free, not `port + 10000`, which may be taken or above 65535. */
  busPort: number;
  pid: number;
}

/** A Redis Cluster of primaries only, on free loopback ports, each node in its own temporary directory. */
export interface TestCluster {
  nodes: ClusterNodeProcess[];
  /** `h:p,h:p,…`: the service's `REDIS_CLUSTER_NODES`. */
  env: string;
  /** Kills every node and removes the temporary directories, at once (safe in an 'exit' handler). */
  stop(): void;
  /** SIGTERM, SIGKILL for whoever is still there after `timeoutMs`, then as `stop()`; resolves once all have exited. */
  stopAndWait(timeoutMs: number): Promise<void>;
  /** Signals node `index`; resolves once it has exited, or at once for SIGSTOP / SIGCONT. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
}

export interface ClusterOptions {
  primaries?: number;
  binary?: string;
  /** How long the nodes may take to agree on one cluster covering every slot. */
  readyTimeoutMs?: number;
}

interface RunningNode extends ClusterNodeProcess {
  child: ChildProcess;
  dir: string;
  exited: Promise<void>;
}

/**
 * Starts `primaries` cluster-enabled `redis-server` children and joins them into one cluster
 * (slots spread evenly, no replicas), without `redis-cli --cluster create` and its prompts:
 * CLUSTER ADDSLOTSRANGE, SET-CONFIG-EPOCH and MEET, then waits until every node agrees.
 */
export async function startRedisCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
  const primaries = opts.primaries ?? 3;
  const binary = opts.binary ?? 'redis-server';
  if (!Number.isInteger(primaries) || primaries < 1 || primaries > MAX_PRIMARIES)
    throw new RangeError(`primaries must be a whole number from 1 to ${MAX_PRIMARIES}, got ${primaries}`);
  const nodes: RunningNode[] = [];
  const dirs: string[] = [];
  const stop = () => {
    process.off('exit', stop);
    for (const n of nodes) if (isRunning(n.child)) n.child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  // Nothing started here may outlive this process, even if it ends before `stop()`.
  process.on('exit', stop);
  try {
    // One at a time: a node's ports are bound before the next asks the OS for free ones.
    for (let i = 0; i < primaries; i++) nodes.push(await startNodeRetrying(binary, dirs));
    await joinCluster(nodes, opts.readyTimeoutMs ?? 20_000);
  } catch (err) {
    stop();
    throw err;
  }
  const stopAndWait = async (timeoutMs: number) => {
    for (const n of nodes) if (isRunning(n.child)) n.child.kill('SIGTERM');
    const all = Promise.all(nodes.map((n) => n.exited));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    stop();
    await all; // SIGKILL cannot be ignored: this is bounded
  };
  const kill = async (index: number, signal: NodeJS.Signals = 'SIGTERM') => {
    const node = nodes[index];
    if (!node) throw new RangeError(`no node ${index} (the cluster has ${nodes.length})`);
    if (!isRunning(node.child)) return;
    node.child.kill(signal);
    if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') await node.exited;
  };
  return {
    nodes: nodes.map(({ host, port, busPort, pid }) => ({ host, port, busPort, pid })),
    env: nodes.map((n) => `${n.host}:${n.port}`).join(','),
    stop,
    stopAndWait,
    kill,
  };
}

/** Slot ranges `[first, last]` of `n` primaries, as even as whole slots allow. */
export function slotRanges(n: number): Array<[number, number]> {
  return Array.from({ length: n }, (_, i) => [
    Math.floor((i * CLUSTER_SLOTS) / n),
    Math.floor(((i + 1) * CLUSTER_SLOTS) / n) - 1,
  ]);
}

/**
 * Why a node's view (`CLUSTER INFO`, `CLUSTER NODES`) is not yet a healthy cluster of `n`
 * primaries, or null when it is: state ok, every slot assigned and served, and every other node
 * known, past its handshake, not suspected of failing, with a connected link.
 */
export function clusterNotReady(info: string, nodesText: string, n: number): string | null {
  const field = (name: string) => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
  if (field('cluster_state') !== 'ok') return `cluster_state:${field('cluster_state')}`;
  for (const name of ['cluster_slots_assigned', 'cluster_slots_ok'])
    if (field(name) !== String(CLUSTER_SLOTS)) return `${name}:${field(name)}`;
  const lines = nodesText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length !== n) return `knows ${lines.length} nodes, not ${n}`;
  for (const line of lines) {
    // <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>…
    const [id, address, flags, , , , , link] = line.split(' ');
    const bad = flags.split(',').filter((f) => ['handshake', 'noaddr', 'fail?', 'fail'].includes(f));
    if (bad.length > 0 || link !== 'connected') return `${id.slice(0, 8)} ${address}: ${flags} ${link}`;
  }
  return null;
}

async function joinCluster(nodes: RunningNode[], timeoutMs: number): Promise<void> {
  const clients = nodes.map(
    (n) => new Redis({ host: n.host, port: n.port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null }),
  );
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const ranges = slotRanges(nodes.length);
    await Promise.all(
      clients.map(async (c, i) => {
        await c.call('CLUSTER', 'ADDSLOTSRANGE', ranges[i][0], ranges[i][1]);
        // Distinct epochs up front, as redis-cli does: no collision for the nodes to resolve later.
        await c.call('CLUSTER', 'SET-CONFIG-EPOCH', i + 1);
      }),
    );
    // Meeting one node is enough: gossip introduces the rest to each other.
    for (const n of nodes.slice(1)) await clients[0].call('CLUSTER', 'MEET', n.host, n.port, n.busPort);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(
        clients.map(async (c) =>
          clusterNotReady(String(await c.call('CLUSTER', 'INFO')), String(await c.call('CLUSTER', 'NODES')), nodes.length),
        ),
      );
      const waiting = views.map((v, i) => (v === null ? null : `:${nodes[i].port} ${v}`)).filter((v) => v !== null);
      if (waiting.length === 0) return;
      if (Date.now() > deadline) throw new Error(`the cluster did not form within ${timeoutMs} ms: ${waiting.join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** A free port can be taken by someone else before redis-server binds it: try a few times. */
async function startNodeRetrying(binary: string, dirs: string[]): Promise<RunningNode> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNode(binary, dirs);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error) || !/Address already in use/.test(err.message)) throw err;
    }
  }
}

async function startNode(binary: string, dirs: string[]): Promise<RunningNode> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-cluster-'));
  dirs.push(dir);
  const port = await freePort();
  let busPort = await freePort();
  while (busPort === port) busPort = await freePort();
  // prettier-ignore
  const args = [
    '--port', String(port), '--cluster-port', String(busPort), '--bind', HOST,
    '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000',
    '--save', '', '--appendonly', 'no', '--dir', dir,
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await untilReady(child, binary, port);
  return { host: HOST, port, busPort, pid: child.pid!, child, dir, exited };
}

function untilReady(child: ChildProcess, binary: string, port: number, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      if (err === null) {
        // Keep draining its output, or redis-server would block once the pipe is full.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve();
      } else {
        if (isRunning(child)) child.kill('SIGKILL');
        reject(err);
      }
    };
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
      if (output.includes('Ready to accept connections')) settle(null);
    };
    const timer = setTimeout(
      () => settle(new Error(`${binary} :${port} not ready within ${timeoutMs} ms: ${output.slice(-500)}`)),
      timeoutMs,
    );
    child.once('error', (err) => settle(new Error(`${binary} could not start: ${err.message}`, { cause: err })));
    child.once('exit', (code) => settle(new Error(`${binary} :${port} exited with code ${code}: ${output.slice(-500)}`)));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
