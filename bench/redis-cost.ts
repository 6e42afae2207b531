/** What Redis did during a phase — per primary and in total — from readings taken before and after. Pure. */
import type { CommandStat, MemoryParts } from './redis-info';
import { ratio } from './stats';

/** Memory and keys of one node at one moment (`INFO`). */
export interface NodeState {
  usedMemory: number;
  keys: number;
  /** Command names with a latency histogram (`latencyHistogramCount`). */
  latencyHistograms: number;
  /** `MEMORY STATS`, read right after the `INFO` (null where the node refused it). */
  memory: MemoryParts | null;
}

/** One primary over a phase, as the bench read it. */
export interface PrimaryReading {
  name: string;
  port: number;
  pid: number;
  /** CPU seconds (user + system) in the phase, from /proc; null when it could not be read. */
  cpuS: number | null;
  peakRssBytes: number | null;
  /** What one latency histogram costs this node (`used_memory` over a command's first run); 0: none. */
  latencyHistogramBytes: number;
  /** `total_commands_processed` over the phase, less the bench's own INFO calls. */
  commands: number;
  /** `INFO commandstats` over the phase. */
  commandStats: CommandStat[];
  atStart: NodeState;
  /** When the first batch of sign-ins was pending (null if the phase never got there). */
  atMemorySample: NodeState | null;
  atEnd: NodeState;
}

/** One primary's line in the JSON (`service.redis.primaries`). */
export interface PrimaryCost {
  name: string;
  port: number;
  pid: number;
  cpuS: number | null;
  /** This primary's CPU ÷ all polls of the phase: the primaries' figures add up to Redis's CPU per poll. */
  cpuMsPerPoll: number | null;
  peakRssBytes: number | null;
  latencyHistogramBytes: number;
  commands: number;
  commandsPerPoll: number | null;
  /** Of all the primaries' commands in the phase. */
  commandsShare: number | null;
  keysAtMemorySample: number | null;
  usedMemoryAtMemorySampleBytes: number | null;
  keysAtEnd: number;
  usedMemoryAtEndBytes: number;
}

export interface RedisPhaseCost {
  /** Summed over the primaries (null if any primary's CPU could not be read). */
  cpuS: number | null;
  peakRssBytes: number | null;
  commandsPerPoll: number | null;
  /** The busiest commands, all primaries together; commands run inside Lua scripts count too. */
  commandsPerPollByCommand: Array<{ command: string; perPoll: number; usecPerPoll: number }>;
  /**
   * Growth of the primaries' summed `used_memory` from the start to the memory sample, per pending
   * sign-in, less Redis's latency histograms (`latencyHistogramBytesPerPendingSession`).
   */
  bytesPerPendingSession: number | null;
  /**
   * The latency histograms Redis made in the same time, per pending sign-in: one per command name
   * first run in the phase (≈ 24 KiB each with Redis 7's defaults), however many sign-ins there are.
   * Redis's own instrumentation, not what a sign-in keeps: left out of `bytesPerPendingSession`.
   */
  latencyHistogramBytesPerPendingSession: number | null;
  /** That growth by where it went (`MEMORY STATS`); null without a sample or the stats of every primary. */
  bytesPerPendingSessionByPart: PendingMemoryParts | null;
  /** Keys more at the memory sample than at the start, per pending sign-in. */
  keysPerPendingSession: number | null;
  primaries: PrimaryCost[];
}

/**
 * Bytes per pending sign-in by where they went (`MemoryParts`): the dataset (keys and values, less
 * the latency histograms, which Redis also counts there), the keyspace's tables (a key's entry in
 * the main dictionary and in the expiries), script caches and client buffers (which do not grow
 * with sign-ins: scripts loaded by the phase's first calls, replies in flight at the sample), and
 * the rest of `bytesPerPendingSession`. They add up to it.
 */
export interface PendingMemoryParts {
  dataset: number;
  keyTables: number;
  scripts: number;
  clients: number;
  other: number;
}

/** The bench's own readings (`INFO`, `MEMORY STATS`): never the service's. */
const isBenchCommand = (command: string): boolean => command === 'info' || command === 'memory|stats';

/** The sum, or null if any value is missing. */
export function sumOrNull(values: ReadonlyArray<number | null>): number | null {
  let total = 0;
  for (const v of values) {
    if (v === null) return null;
    total += v;
  }
  return total;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

export function redisPhaseCost(
  readings: readonly PrimaryReading[],
  mergedCommandStats: readonly CommandStat[],
  polls: number,
  pendingAtMemorySample: number,
): RedisPhaseCost {
  const commands = sum(readings.map((r) => r.commands));
  const perPoll = Math.max(1, polls);
  // Growth of one `NodeState` figure from the start to the memory sample, all primaries, per pending sign-in.
  const samples = readings.map((r) => r.atMemorySample);
  const perPending = (figure: (s: NodeState, r: PrimaryReading) => number): number | null =>
    samples.every((s): s is NodeState => s !== null)
      ? ratio(
          sum(samples.map((s, i) => figure(s, readings[i]) - figure(readings[i].atStart, readings[i]))),
          pendingAtMemorySample,
        )
      : null;
  const histograms = perPending((s, r) => s.latencyHistograms * r.latencyHistogramBytes);
  const growth = perPending((s) => s.usedMemory);
  const bytesPerPendingSession = growth === null || histograms === null ? null : growth - histograms;
  return {
    cpuS: sumOrNull(readings.map((r) => r.cpuS)),
    peakRssBytes: sumOrNull(readings.map((r) => r.peakRssBytes)),
    commandsPerPoll: ratio(commands, polls),
    commandsPerPollByCommand: mergedCommandStats
      .filter((c) => !isBenchCommand(c.command))
      .map((c) => ({ command: c.command, perPoll: c.calls / perPoll, usecPerPoll: c.usec / perPoll })),
    bytesPerPendingSession,
    latencyHistogramBytesPerPendingSession: histograms,
    bytesPerPendingSessionByPart: memoryParts(readings, bytesPerPendingSession, histograms, pendingAtMemorySample),
    keysPerPendingSession: perPending((s) => s.keys),
    primaries: readings.map((r) => ({
      name: r.name,
      port: r.port,
      pid: r.pid,
      cpuS: r.cpuS,
      cpuMsPerPoll: r.cpuS === null || polls <= 0 ? null : (r.cpuS / polls) * 1000,
      peakRssBytes: r.peakRssBytes,
      latencyHistogramBytes: r.latencyHistogramBytes,
      commands: r.commands,
      commandsPerPoll: ratio(r.commands, polls),
      commandsShare: ratio(r.commands, commands),
      keysAtMemorySample: r.atMemorySample?.keys ?? null,
      usedMemoryAtMemorySampleBytes: r.atMemorySample?.usedMemory ?? null,
      keysAtEnd: r.atEnd.keys,
      usedMemoryAtEndBytes: r.atEnd.usedMemory,
    })),
  };
}

function memoryParts(
  readings: readonly PrimaryReading[],
  bytesPerPending: number | null,
  histogramsPerPending: number | null,
  pending: number,
): PendingMemoryParts | null {
  if (bytesPerPending === null || histogramsPerPending === null || pending <= 0) return null;
  const growth = { dataset: 0, keyTables: 0, scripts: 0, clients: 0 };
  for (const r of readings) {
    const before = r.atStart.memory;
    const after = r.atMemorySample?.memory;
    if (!before || !after) return null;
    for (const part of Object.keys(growth) as Array<keyof typeof growth>) growth[part] += after[part] - before[part];
  }
  // The histograms are in `dataset.bytes` (Redis counts them as no overhead of its own).
  const dataset = growth.dataset / pending - histogramsPerPending;
  const keyTables = growth.keyTables / pending;
  const scripts = growth.scripts / pending;
  const clients = growth.clients / pending;
  return { dataset, keyTables, scripts, clients, other: bytesPerPending - dataset - keyTables - scripts - clients };
}
