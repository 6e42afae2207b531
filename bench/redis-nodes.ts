/**
 * The Redis a run's service keeps its state in: one private redis-server (`--redis single`) or a
 * Redis Cluster of three primaries (`--redis cluster`), on loopback; and the readings of each
 * primary over a phase.
 */
import Redis from 'ioredis';
import { startDemoRedis } from '../src/demo/redis-server';
import { startRedisCluster } from '../src/testing/redis-cluster';
import type { WorkloadOptions } from './args';
import { readCpuSeconds, readPeakRss } from './proc';
import type { NodeState, PrimaryReading } from './redis-cost';
import {
  commandStatsDelta,
  infoNumber,
  keyCount,
  latencyHistogramCount,
  parseCommandStats,
  parseInfo,
  parseMemoryStats,
  redisSample,
  type CommandStat,
  type MemoryParts,
  type RedisSample,
} from './redis-info';

export const CLUSTER_PRIMARIES = 3;

export interface BenchRedisNode {
  name: string;
  port: number;
  pid: number;
  /** The bench's own connection to this node (INFO only). */
  client: Redis;
  /** What one latency histogram costs this node (`measureLatencyHistogram`). */
  latencyHistogramBytes: number;
}

export interface BenchRedis {
  primaries: BenchRedisNode[];
  /** How the service is pointed at it: REDIS_URL, or REDIS_CLUSTER_NODES and REDIS_SHARDS. */
  serviceEnv: Record<string, string>;
  stop(): void;
}

function benchClient(client: Redis): Redis {
  client.on('error', () => undefined);
  return client;
}

export async function startBenchRedis(w: Pick<WorkloadOptions, 'redis' | 'shards'>): Promise<BenchRedis> {
  if (w.redis === 'single') {
    const redis = await startDemoRedis();
    const client = benchClient(new Redis(redis.url, { maxRetriesPerRequest: 2, connectionName: 'bench' }));
    const latencyHistogramBytes = await measureLatencyHistogram(client);
    return {
      primaries: [{ name: 'redis', port: Number(new URL(redis.url).port), pid: redis.pid, client, latencyHistogramBytes }],
      serviceEnv: { REDIS_URL: redis.url },
      stop: () => {
        client.disconnect();
        redis.stop();
      },
    };
  }
  const cluster = await startRedisCluster({ primaries: CLUSTER_PRIMARIES });
  // Plain connections, one per node: INFO must describe that node, not whichever a cluster client picks.
  const primaries = await Promise.all(
    cluster.nodes.map(async (n, i) => {
      const client = benchClient(new Redis({ host: n.host, port: n.port, maxRetriesPerRequest: 2, connectionName: 'bench' }));
      return {
        name: `redis-${i + 1}`,
        port: n.port,
        pid: n.pid,
        client,
        latencyHistogramBytes: await measureLatencyHistogram(client),
      };
    }),
  );
  return {
    primaries,
    serviceEnv: { REDIS_CLUSTER_NODES: cluster.env, REDIS_SHARDS: String(w.shards) },
    stop: () => {
      for (const p of primaries) p.client.disconnect();
      cluster.stop();
    },
  };
}

/**
 * What Redis gives the latency histogram of a command name the first time that command runs (Redis
 * 7's `latency-tracking`, on by default; ≈ 24 KiB), read on the bench's fresh Redis before the
 * service connects: `used_memory` before and after a first `ECHO`, which the service never sends.
 * 0 where Redis keeps no such histogram (tracking off, an older Redis). Redis keeps them for good,
 * one per command name, and reports them nowhere but inside `dataset.bytes`.
 */
async function measureLatencyHistogram(client: Redis): Promise<number> {
  const usedMemory = async () => infoNumber(parseInfo(await client.info('memory')), 'used_memory');
  await usedMemory(); // INFO's own histogram, made by its first run
  const before = await usedMemory();
  await client.echo('a first ECHO');
  return Math.max(0, (await usedMemory()) - before);
}

interface Snapshot {
  sample: RedisSample;
  state: NodeState;
}

/** Commands one `snapshot` sends: `INFO` (its default sections and the latency histograms), then `MEMORY STATS`. */
const SNAPSHOT_COMMANDS = 2;

async function snapshot(node: BenchRedisNode): Promise<Snapshot> {
  const text = await node.client.info('default', 'latencystats');
  const sample = redisSample(text);
  let memory: MemoryParts | null;
  try {
    memory = parseMemoryStats(await node.client.call('MEMORY', 'STATS'));
  } catch {
    memory = null; // still sent (and counted) where a node refuses it; the breakdown is left out
  }
  return {
    sample,
    state: { usedMemory: sample.usedMemory, keys: keyCount(text), latencyHistograms: latencyHistogramCount(text), memory },
  };
}

const difference = (after: number | null, before: number | null): number | null =>
  after === null || before === null ? null : after - before;

const all = <T>(nodes: BenchRedisNode[], read: (n: BenchRedisNode) => Promise<T>): Promise<T[]> => Promise.all(nodes.map(read));

/**
 * Readings of every primary across one phase. Each INFO or MEMORY STATS the bench sends in between
 * is a command Redis counts; they are taken off the phase's count. (The first reading's INFO counts,
 * the last one's does not: Redis counts a command once it has run.)
 */
export class RedisPhaseProbe {
  private benchCalls = SNAPSHOT_COMMANDS;
  private memorySample: Snapshot[] | null = null;

  private constructor(
    private readonly nodes: BenchRedisNode[],
    private readonly cpu0: Array<number | null>,
    private readonly commands0: Array<Map<string, CommandStat>>,
    private readonly info0: Snapshot[],
  ) {}

  static async start(redis: BenchRedis): Promise<RedisPhaseProbe> {
    const nodes = redis.primaries;
    const cpu0 = nodes.map((n) => readCpuSeconds(n.pid));
    const commands0 = await all(nodes, async (n) => parseCommandStats(await n.client.info('commandstats')));
    const info0 = await all(nodes, snapshot);
    return new RedisPhaseProbe(nodes, cpu0, commands0, info0);
  }

  /** Memory and keys now, when the first batch of sign-ins is pending. */
  async sampleMemory(): Promise<void> {
    this.memorySample = await all(this.nodes, snapshot);
    this.benchCalls += SNAPSHOT_COMMANDS;
  }

  async finish(): Promise<PrimaryReading[]> {
    const cpu1 = this.nodes.map((n) => readCpuSeconds(n.pid));
    const info1 = await all(this.nodes, snapshot);
    const commands1 = await all(this.nodes, async (n) => parseCommandStats(await n.client.info('commandstats')));
    return this.nodes.map((n, i) => ({
      name: n.name,
      port: n.port,
      pid: n.pid,
      cpuS: difference(cpu1[i], this.cpu0[i]),
      peakRssBytes: readPeakRss(n.pid),
      latencyHistogramBytes: n.latencyHistogramBytes,
      commands: info1[i].sample.commands - this.info0[i].sample.commands - this.benchCalls,
      commandStats: commandStatsDelta(this.commands0[i], commands1[i]),
      atStart: this.info0[i].state,
      atMemorySample: this.memorySample?.[i].state ?? null,
      atEnd: info1[i].state,
    }));
  }
}
