import type { PhaseAnalysis } from './analysis';
import type { WorkloadOptions } from './args';
import type { LoopDelayMs } from './loop-delay';
import type { ServiceMetrics } from './prom';
import type { CpuWait, MachineCpu } from './proc';
import type { PendingMemoryParts, PrimaryCost } from './redis-cost';
import type { SimStatsLike } from './sim-client';
import { compareWithBrowserPolling, OldDesignComparison } from './old-design';
import { ratio, Summary } from './stats';
import { fmt, fmtBytes, fmtSpread, formatTable } from './table';

/** The JSON written to bench/results/<workload>.json, and the table printed from it. */

export interface ProcessCost {
  name: string;
  pid: number;
  /** CPU seconds (user + system) spent during the measured phase. */
  cpuS: number | null;
  /** VmHWM: the highest resident set the process ever had. */
  peakRssBytes: number | null;
  /**
   * How long its main thread was runnable but waiting for a CPU during the phase (the kernel's
   * run-queue wait), and how many times it was run; absent in results written before it was
   * measured, null where unreadable.
   */
  cpuWait?: CpuWait | null;
}

/**
 * Redis over the phase. One redis-server: that process. A cluster: the primaries added up (no
 * single pid; the peak RSS is the sum of each primary's peak), each one also in `primaries`.
 */
export type RedisCost = Omit<ProcessCost, 'pid'> & { pid: number | null; primaries?: PrimaryCost[] };

/** The simulator's counters over one phase (after − before), as `run.ts` subtracts them. */
export type SimCounters = Omit<SimStatsLike, 'approvals' | 'denials' | 'liveSessions'>;

export type Analysis = Omit<PhaseAnalysis, 'signInDurationsMs'>;

/** The unmeasured play before a phase (`--warmup`): how long it took, and anything it left unresolved. */
export interface WarmupRun {
  seconds: number;
  signIns: number;
  unresolved: number;
  /** The process's CPU during it (not part of any figure of the phase). */
  cpuS: number | null;
}

/**
 * The service standing by before the phase: the kiosks connected, nothing signing in. What it
 * spends then — above all Socket.IO's heartbeat of every kiosk — it spends through the phase too,
 * and the floors, which hold no connection, never do.
 */
export interface StandbyRun {
  seconds: number;
  kiosks: number;
  /** The service processes' CPU over the window. */
  serviceCpuS: number | null;
}

export interface ServiceResult {
  /** null: no warm-up (`--warmup 0`), the phase met a freshly started service. */
  warmup: WarmupRun | null;
  /** null: not measured (`--standby 0`). */
  standby: StandbyRun | null;
  /** The whole machine over the phase; absent in results written before it was measured. */
  machine?: MachineCpu | null;
  processes: ProcessCost[];
  redis: RedisCost;
  simulator: ProcessCost;
  /** The load generator during the phase: its main process (sign-ins, decisions, records) and its kiosk processes. */
  bench: {
    cpuS: number;
    peakRssBytes: number;
    loopDelayMs: LoopDelayMs;
    /** The kiosk processes (`KioskFleet`): their CPU in the phase, peak RSS summed, worst loop delay. */
    kiosks: { processes: number; cpuS: number | null; peakRssBytes: number; loopDelayMs: LoopDelayMs };
  };
  /** RSS of each service process right after the kiosks connected (before any sign-in). */
  connect: { kiosks: number; seconds: number; serviceCpuS: number | null; rssAfterConnectBytes: Array<number | null> };
  kiosks: { connected: number; reconnects: number; disconnects: number };
  analysis: Analysis;
  sim: SimCounters;
  /** From the API (or ROLE=all) process's own /metrics, over the phase. */
  serviceMetrics: ServiceMetrics | null;
  cost: {
    polls: number;
    /** Wall-clock seconds between the two readings of the service's CPU. */
    phaseSeconds: number;
    serviceCpuS: number | null;
    redisCpuS: number | null;
    serviceCpuSPer1000Polls: number | null;
    redisCpuSPer1000Polls: number | null;
    serviceAndRedisCpuSPer1000Polls: number | null;
    redisCommandsPerPoll: number | null;
    /** From INFO commandstats; commands run inside Lua scripts (BullMQ's, ours) are counted too. */
    redisCommandsPerPollByCommand: Array<{ command: string; perPoll: number; usecPerPoll: number }>;
    redisBytesPerPendingSession: number | null;
    /** Absent in results written before it was measured. */
    redisBytesPerPendingSessionByPart?: PendingMemoryParts | null;
    /** Redis's latency histograms made in the phase, per pending sign-in, left out of the figure above; absent in older results. */
    redisLatencyHistogramBytesPerPendingSession?: number | null;
    redisKeysPerPendingSession?: number | null;
    pendingAtMemorySample: number;
  };
  timedOut: boolean;
}

/** The latency histograms left out of the Redis bytes per pending sign-in, when there were any. */
export function histogramsLeftOut(bytes: number | null | undefined): string {
  if (!bytes) return '';
  return `; Redis's latency histograms of commands first run in the phase left out, ${fmt(Math.round(bytes))} B more`;
}

/** Where a pending sign-in's Redis bytes went, and its keys; '—' when not measured. */
export function memoryPartsCell(parts: PendingMemoryParts | null | undefined, keys: number | null | undefined): string {
  if (!parts) return '—';
  // `+ 0`: a part that rounds to nothing reads 0, not -0 (other is a difference of floats).
  const b = (n: number) => `${fmt(Math.round(n) + 0)} B`;
  return (
    `dataset ${b(parts.dataset)}, key tables ${b(parts.keyTables)}, scripts ${b(parts.scripts)}, ` +
    `client buffers ${b(parts.clients)}, other ${b(parts.other)}` +
    (keys === null || keys === undefined ? '' : `; ${fmt(keys, 1)} keys`)
  );
}

/** The floor's HTTP client: Node's `fetch`, or undici's `request()` on a keep-alive pool. */
export type FloorHttp = 'fetch' | 'undici';

export interface FloorResult {
  warmup: WarmupRun | null;
  http: FloorHttp;
  /** The whole machine over this floor's phase; absent in results written before it was measured. */
  machine?: MachineCpu | null;
  process: ProcessCost;
  /** The simulator during this floor's phase; absent in results written before it was measured. */
  simulator?: ProcessCost;
  analysis: Analysis;
  sim: SimCounters;
  cost: { polls: number; cpuS: number | null; cpuSPer1000Polls: number | null };
  /** The bench process's own event-loop delay during this floor's phase. */
  benchLoopDelayMs: LoopDelayMs;
  timedOut: boolean;
}

export interface Comparison {
  /** CPU per poll of the service processes ÷ the `fetch` floor's; and with Redis added to ours. */
  cpuPerPollOursOverFloor: { service: number | null; serviceAndRedis: number | null };
  /** The same against the undici floor. */
  cpuPerPollOursOverUndiciFloor: { service: number | null; serviceAndRedis: number | null };
  /** Against the `fetch` floor, the service's CPU less standing by over the phase (`lessStandby`). */
  cpuPerPollLessStandbyOverFloor: { service: number | null; serviceAndRedis: number | null };
  /**
   * Against the `fetch` floor, each side's CPU per poll first divided by the simulator's CPU per
   * request in the same phase (`inSimulatorUnits`); absent in results written before it was measured.
   */
  cpuPerPollInSimulatorUnitsOverFloor?: { service: number | null; serviceAndRedis: number | null };
  oldDesign: OldDesignComparison;
  pushLatencyMs: Summary;
}

export interface WorkloadResult {
  workload: string;
  command: string;
  startedAt: string;
  finishedAt: string;
  options: WorkloadOptions;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    openFilesLimit: number | null;
    /** 1/5/15-minute load averages: other work on the machine shows up here. */
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  code: { commit: string | null; changedFiles: number | null };
  service: ServiceResult;
  /** The floor with `fetch`, and with undici's `request()`. */
  floor: FloorResult | null;
  floorUndici: FloorResult | null;
  comparison: Comparison;
}

export function perThousand(cpuS: number | null, polls: number): number | null {
  return cpuS === null || polls <= 0 ? null : (cpuS / polls) * 1000;
}

/**
 * The service's CPU in the phase less what standing by, at the rate measured before it, costs over
 * the phase's length: what the polls and sign-ins themselves cost. Null where a reading is missing.
 */
export function lessStandby(serviceCpuS: number | null, phaseSeconds: number, standby: StandbyRun | null): number | null {
  if (serviceCpuS === null || standby?.serviceCpuS == null || standby.seconds <= 0) return null;
  return serviceCpuS - (standby.serviceCpuS / standby.seconds) * phaseSeconds;
}

/**
 * CPU per 1,000 polls in units of what the simulator spent per 1,000 requests it answered in the
 * same phase (polls, authorizations, profile reads): the simulator does the same kind of work in
 * every phase, so it is a yardstick of how fast the machine ran then. Null where a reading is missing.
 */
export function inSimulatorUnits(
  cpuSPer1000Polls: number | null,
  simulatorCpuS: number | null | undefined,
  sim: Pick<SimCounters, 'polls' | 'authorizations' | 'peopleCalls'>,
): number | null {
  const requests = sim.polls + sim.authorizations + sim.peopleCalls;
  return ratio(cpuSPer1000Polls, perThousand(simulatorCpuS ?? null, requests));
}

export function buildComparison(
  service: ServiceResult,
  floor: FloorResult | null,
  floorUndici: FloorResult | null,
  w: WorkloadOptions,
  durationsMs: readonly number[],
): Comparison {
  const over = (f: FloorResult | null) => ({
    service: ratio(service.cost.serviceCpuSPer1000Polls, f?.cost.cpuSPer1000Polls ?? null),
    serviceAndRedis: ratio(service.cost.serviceAndRedisCpuSPer1000Polls, f?.cost.cpuSPer1000Polls ?? null),
  });
  const cost = service.cost;
  const rest = lessStandby(cost.serviceCpuS, cost.phaseSeconds, service.standby);
  const floorPer1000 = floor?.cost.cpuSPer1000Polls ?? null;
  const floorInSimUnits = floor ? inSimulatorUnits(floorPer1000, floor.simulator?.cpuS, floor.sim) : null;
  const oursInSimUnits = (cpuSPer1000Polls: number | null) =>
    ratio(inSimulatorUnits(cpuSPer1000Polls, service.simulator.cpuS, service.sim), floorInSimUnits);
  return {
    cpuPerPollOursOverFloor: over(floor),
    cpuPerPollOursOverUndiciFloor: over(floorUndici),
    cpuPerPollLessStandbyOverFloor: {
      service: ratio(perThousand(rest, cost.polls), floorPer1000),
      serviceAndRedis: ratio(
        perThousand(rest === null || cost.redisCpuS === null ? null : rest + cost.redisCpuS, cost.polls),
        floorPer1000,
      ),
    },
    cpuPerPollInSimulatorUnitsOverFloor: {
      service: oursInSimUnits(cost.serviceCpuSPer1000Polls),
      serviceAndRedis: oursInSimUnits(cost.serviceAndRedisCpuSPer1000Polls),
    },
    oldDesign: compareWithBrowserPolling({ signInDurationsMs: durationsMs, signing: w.signing, browserPollS: 2 }),
    pushLatencyMs: service.analysis.pushLatencyMs,
  };
}

function finals(a: Analysis): string {
  const f = a.signIns.final;
  return (
    `${fmt(f.authorized ?? 0)} authorized, ${fmt(f.denied ?? 0)} denied, ${fmt(f.expired ?? 0)} expired` +
    (Object.keys(f).some((k) => !['authorized', 'denied', 'expired'].includes(k))
      ? `, other: ${Object.entries(f)
          .filter(([k]) => !['authorized', 'denied', 'expired'].includes(k))
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`
      : '')
  );
}

function early(a: Analysis, sim: SimCounters): string {
  return `${fmt(a.polls.earlyGaps)} / ${fmt(a.polls.flaggedEarly)} / ${fmt(sim.earlyPolls)}`;
}

const loopDelayCell = (d: LoopDelayMs): string => `${fmt(d.p50)} / ${fmt(d.p99)} / ${fmt(d.max)}`;

const percent = (share: number | null): string => (share === null ? '—' : `${fmt(share * 100)}%`);

/** "0.11 / 0.10 / 0.12 ms, commands 34% / 33% / 33%, keys …": how evenly the primaries share the work. */
export function primariesCell(primaries: readonly PrimaryCost[]): string {
  // Keys while the first batch of sign-ins was pending (the busiest moment), else at the end: one moment for all.
  const sampled = primaries.every((p) => p.keysAtMemorySample !== null);
  const keys = primaries.map((p) => (sampled ? (p.keysAtMemorySample ?? 0) : p.keysAtEnd));
  const allKeys = keys.reduce((a, b) => a + b, 0);
  return (
    `${primaries.map((p) => fmt(p.cpuMsPerPoll, 2)).join(' / ')} ms, ` +
    `commands ${primaries.map((p) => percent(p.commandsShare)).join(' / ')}, ` +
    `keys ${keys.map((k) => percent(allKeys > 0 ? k / allKeys : null)).join(' / ')}`
  );
}

/** "61.0 of 160.0 (38%); stolen 0.4 s": what the machine's CPUs did in a phase; '—' if unread. */
export function machineCell(m: MachineCpu | null | undefined): string {
  if (!m) return '—';
  const all = m.busyS + m.idleS + m.stealS;
  return `${fmt(m.busyS, 1)} of ${fmt(all, 1)} (${fmt(all > 0 ? (100 * m.busyS) / all : null)}%); stolen ${fmt(m.stealS, 1)} s`;
}

/**
 * "service 3.0 s (5%, 60 µs a run)": how long a process's main thread was runnable with no CPU
 * to run on, as a share of its CPU time and per time it was run; '—' if unread.
 */
export function cpuWaitCell(p: ProcessCost): string {
  const w = p.cpuWait;
  if (!w) return `${p.name} —`;
  const parts = [
    ...(p.cpuS ? [`${fmt((100 * w.waitS) / p.cpuS)}%`] : []),
    ...(w.slices > 0 ? [`${fmt((1e6 * w.waitS) / w.slices)} µs a run`] : []),
  ];
  return `${p.name} ${fmt(w.waitS, 1)} s${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** "none (cold)", or the warm-up's sign-ins, length, CPU and anything it left unresolved. */
function warmupCell(w: WarmupRun | null): string {
  if (!w) return 'none (cold)';
  const left = w.unresolved > 0 ? `, ${fmt(w.unresolved)} unresolved` : '';
  return `${fmt(w.signIns)} sign-ins in ${fmt(w.seconds, 1)} s, ${fmt(w.cpuS, 1)} CPU s${left}`;
}

/** "1.2 ms of CPU per s over 25 s with 10,000 kiosks; 3.0 s of the phase", or why there is no figure. */
function standbyCell(s: ServiceResult): string {
  const b = s.standby;
  if (!b) return 'not measured (--standby 0)';
  if (b.serviceCpuS === null) return '—';
  const perS = b.serviceCpuS / b.seconds;
  return (
    `${fmt(perS * 1000, 1)} ms of service CPU per s over ${fmt(b.seconds, 1)} s with ${fmt(b.kiosks)} kiosks; ` +
    `${fmt(perS * s.cost.phaseSeconds, 1)} s of the phase's ${fmt(s.cost.serviceCpuS, 1)} s`
  );
}

/** The report table of one workload. */
export function reportTable(r: WorkloadResult): string {
  const s = r.service;
  const w = r.options;
  /** The two floor columns of a row: `cell` of each floor that ran, else a dash. */
  const both = (cell: (f: FloorResult) => string): string[] => [r.floor, r.floorUndici].map((f) => (f ? cell(f) : '—'));
  const same = (text: string): string[] => [text, text];
  const rss = [...s.processes, ...(s.redis.primaries ?? [s.redis]), s.simulator]
    .map((p) => `${p.name} ${fmtBytes(p.peakRssBytes)}`)
    .join(', ');
  const rows: string[][] = [
    ['figure', 'ours (service)', 'floor (timer loop, fetch)', 'floor (timer loop, undici)'],
    [
      'sign-ins started (shown)',
      `${fmt(s.analysis.signIns.started)} (${fmt(s.analysis.signIns.shown)})`,
      ...both((f) => `${fmt(f.analysis.signIns.started)} (${fmt(f.analysis.signIns.shown)})`),
    ],
    ['final statuses', finals(s.analysis), ...both((f) => finals(f.analysis))],
    [
      'unresolved / wrong final status',
      `${fmt(s.analysis.signIns.unresolved)} / ${fmt(s.analysis.signIns.wrongFinal)}`,
      ...both((f) => `${fmt(f.analysis.signIns.unresolved)} / ${fmt(f.analysis.signIns.wrongFinal)}`),
    ],
    [
      'approved and pushed authorized',
      `${fmt(s.analysis.signIns.approvedAndPushed)} of ${fmt(s.analysis.signIns.approved)}`,
      ...same('—'),
    ],
    ['polls (simulator log)', fmt(s.analysis.polls.logged), ...both((f) => fmt(f.analysis.polls.logged))],
    ['answered slow_down', fmt(s.sim.pollsByOutcome.slow_down ?? 0), ...both((f) => fmt(f.sim.pollsByOutcome.slow_down ?? 0))],
    [
      'polls/s sustained (expected)',
      `${fmt(s.analysis.polls.perSecond, 1)} (${fmt(s.analysis.polls.expectedPerSecond, 1)})`,
      ...both((f) => `${fmt(f.analysis.polls.perSecond, 1)} (${fmt(f.analysis.polls.expectedPerSecond, 1)})`),
    ],
    [
      'poll gap − interval, ms: min/p50/p99/max',
      fmtSpread(s.analysis.polls.latenessMs),
      ...both((f) => fmtSpread(f.analysis.polls.latenessMs)),
    ],
    [
      'gaps > interval + 1 s',
      `${fmt(s.analysis.polls.lateOver1s)} of ${fmt(s.analysis.polls.gaps)}`,
      ...both((f) => `${fmt(f.analysis.polls.lateOver1s)} of ${fmt(f.analysis.polls.gaps)}`),
    ],
    ['early polls: gaps / log flag / sim stat', early(s.analysis, s.sim), ...both((f) => early(f.analysis, f.sim))],
    [
      'polls after final answer; double redemptions',
      `${fmt(s.sim.afterTerminal)}; ${fmt(s.sim.doubleRedemptions)}`,
      ...both((f) => `${fmt(f.sim.afterTerminal)}; ${fmt(f.sim.doubleRedemptions)}`),
    ],
    [
      'grant → kiosk, ms: min/p50/p99/max',
      fmtSpread(s.analysis.pushLatencyMs),
      ...both((f) => `${fmtSpread(f.analysis.pushLatencyMs)} (no push)`),
    ],
    [
      '  of which the service’s (token → push sent), ms',
      s.serviceMetrics?.pushSent.count
        ? `mean ${fmt(s.serviceMetrics.pushSent.meanMs, 1)}, p99 ${s.serviceMetrics.pushSent.p99AtMostMs === null ? 'past the last bucket' : `≤ ${fmt(s.serviceMetrics.pushSent.p99AtMostMs)}`} (its own histogram)`
        : '—',
      ...same('—'),
    ],
    [
      '  the bench’s own event-loop delay, ms: p50/p99/max',
      loopDelayCell(s.bench.loopDelayMs),
      ...both((f) => loopDelayCell(f.benchLoopDelayMs)),
    ],
    [
      '  the kiosk processes’ event-loop delay (worst), ms',
      `${loopDelayCell(s.bench.kiosks.loopDelayMs)} (${s.bench.kiosks.processes === 1 ? 'one process' : `${fmt(s.bench.kiosks.processes)} processes`})`,
      ...same('—'),
    ],
    [
      'CPU s per 1,000 polls',
      `${fmt(s.cost.serviceCpuSPer1000Polls, 3)} service + ${fmt(s.cost.redisCpuSPer1000Polls, 3)} redis`,
      ...both((f) => fmt(f.cost.cpuSPer1000Polls, 3)),
    ],
    [
      'CPU per poll, ours ÷ floor',
      `${fmt(r.comparison.cpuPerPollOursOverFloor.service, 2)}× (service), ${fmt(r.comparison.cpuPerPollOursOverFloor.serviceAndRedis, 2)}× (+redis)`,
      '1×',
      r.floorUndici ? '1×' : '—',
    ],
    [
      '  less standing by (kiosks connected, idle)',
      `${fmt(r.comparison.cpuPerPollLessStandbyOverFloor.service, 2)}× (service), ${fmt(r.comparison.cpuPerPollLessStandbyOverFloor.serviceAndRedis, 2)}× (+redis)`,
      ...same('—'),
    ],
    [
      '  each in its phase’s simulator’s CPU per request',
      `${fmt(r.comparison.cpuPerPollInSimulatorUnitsOverFloor?.service ?? null, 2)}× (service), ${fmt(r.comparison.cpuPerPollInSimulatorUnitsOverFloor?.serviceAndRedis ?? null, 2)}× (+redis)`,
      ...same('—'),
    ],
    [
      'CPU per poll, ours ÷ undici floor',
      `${fmt(r.comparison.cpuPerPollOursOverUndiciFloor.service, 2)}× (service), ${fmt(r.comparison.cpuPerPollOursOverUndiciFloor.serviceAndRedis, 2)}× (+redis)`,
      ...both((f) =>
        f.http === 'undici' ? '1×' : fmt(ratio(f.cost.cpuSPer1000Polls, r.floorUndici?.cost.cpuSPer1000Polls ?? null), 2) + '×',
      ),
    ],
    [
      'CPU s in phase',
      `${fmt(s.cost.serviceCpuS, 1)} service, ${fmt(s.cost.redisCpuS, 1)} redis (simulator ${fmt(s.simulator.cpuS, 1)}, bench ${fmt(s.bench.cpuS, 1)} + kiosks ${fmt(s.bench.kiosks.cpuS, 1)})`,
      ...both((f) => fmt(f.cost.cpuS, 1)),
    ],
    [
      '  main thread waiting for a CPU, s (% of its CPU s, per run)',
      [...s.processes, s.simulator].map(cpuWaitCell).join(', '),
      ...both((f) => [f.process, ...(f.simulator ? [f.simulator] : [])].map(cpuWaitCell).join(', ')),
    ],
    ['  the machine: busy of all CPU s; stolen by the host', machineCell(s.machine), ...both((f) => machineCell(f.machine))],
    [
      'peak RSS',
      `${rss}, bench ${fmtBytes(s.bench.peakRssBytes)}, kiosks ${fmtBytes(s.bench.kiosks.peakRssBytes)}`,
      ...both((f) => `floor ${fmtBytes(f.process.peakRssBytes)}`),
    ],
    [
      'Redis memory per pending session',
      `${fmtBytes(s.cost.redisBytesPerPendingSession)} (at ${fmt(s.cost.pendingAtMemorySample)} pending${histogramsLeftOut(s.cost.redisLatencyHistogramBytesPerPendingSession)})`,
      ...same('none'),
    ],
    ['  of which', memoryPartsCell(s.cost.redisBytesPerPendingSessionByPart, s.cost.redisKeysPerPendingSession), ...same('')],
    ['Redis commands per poll', fmt(s.cost.redisCommandsPerPoll, 1), ...same('none')],
    [
      '  of which (busiest)',
      s.cost.redisCommandsPerPollByCommand
        .slice(0, 5)
        .map((c) => `${c.command} ${fmt(c.perPoll, 1)}`)
        .join(', '),
      ...same(''),
    ],
    ...(s.redis.primaries ? [['redis CPU per poll across primaries', primariesCell(s.redis.primaries), ...same('none')]] : []),
    [
      'service event-loop delay (last ≤ 5 s), ms: mean/p99/max',
      s.serviceMetrics
        ? `${fmt(s.serviceMetrics.eventLoopLagMs.mean)} / ${fmt(s.serviceMetrics.eventLoopLagMs.p99)} / ${fmt(s.serviceMetrics.eventLoopLagMs.max)}`
        : '—',
      ...same('—'),
    ],
    [
      'token request as the service timed it, mean ms',
      s.serviceMetrics
        ? `${fmt(s.serviceMetrics.tokenRequestMeanMs, 1)} (its own lateness metric: mean ${fmt(s.serviceMetrics.pollLatenessMeanMs)} ms)`
        : '—',
      ...same('—'),
    ],
    [
      'kiosk connect',
      `${fmt(s.connect.kiosks)} in ${fmt(s.connect.seconds, 1)} s, ${fmt(s.connect.serviceCpuS, 1)} CPU s; service RSS then ${s.connect.rssAfterConnectBytes.map(fmtBytes).join(', ')}`,
      ...same('—'),
    ],
    ['standing by before the phase', standbyCell(s), ...same('—')],
    ['kiosk disconnects / reconnects', `${fmt(s.kiosks.disconnects)} / ${fmt(s.kiosks.reconnects)}`, ...same('—')],
    [`warm-up before the phase (--warmup ${fmt(w.warmupS)})`, warmupCell(s.warmup), ...both((f) => warmupCell(f.warmup))],
  ];
  const o = r.comparison.oldDesign;
  const old: string[][] = [
    ['old design (browser polls every 2 s) vs ours', 'browser polling', 'ours (push)'],
    [
      'HTTP requests per signing-in kiosk per minute',
      fmt(o.requestsPerKioskPerMinute.browserPolling),
      `${fmt(o.requestsPerKioskPerMinute.ours)} (1 POST + 1 websocket per sign-in)`,
    ],
    [
      `fleet-wide, ${fmt(w.signing)} signing in at once, per minute`,
      fmt(o.requestsPerMinuteFleetWide.browserPolling),
      fmt(o.requestsPerMinuteFleetWide.ours),
    ],
    ['HTTP requests for this run’s sign-ins', fmt(o.requestsThisRun.browserPolling), fmt(o.requestsThisRun.ours)],
    [
      'delay to notice "authorized", ms',
      `+${fmt(o.addedDetectionDelayMs.mean)} mean, +${fmt(o.addedDetectionDelayMs.max)} max (on top of the server's own)`,
      `push p50 ${fmt(r.comparison.pushLatencyMs.p50)}, p99 ${fmt(r.comparison.pushLatencyMs.p99)}, max ${fmt(r.comparison.pushLatencyMs.max)} (grant → kiosk, all of it)`,
    ],
  ];
  const roles = w.workers > 0 ? `${w.workers} ROLE=worker + 1 ROLE=api` : 'one ROLE=all process';
  const cluster = s.redis.primaries ? `, Redis Cluster of ${s.redis.primaries.length} primaries, ${fmt(w.shards)} shards` : '';
  // Older result files have no such option.
  const limit = w.serviceMemoryLimitMiB ? `, ${fmt(w.serviceMemoryLimitMiB)} MiB memory limit per service process` : '';
  const ping = w.pingIntervalS ? `, kiosks pinged every ${fmt(w.pingIntervalS)} s` : '';
  const title =
    `${r.workload}: ${fmt(w.kiosks)} kiosks, ${fmt(w.signing)} signing in at once (${w.arrivals}), interval ${w.intervalS} s, ` +
    `${w.durationS} s, decisions after ${w.thinkMinS}-${w.thinkMaxS} s, ${roles}${limit}${ping}${cluster}`;
  const warnings: string[] = [
    `machine: ${r.machine.cpus} × ${r.machine.cpuModel}; load average ${r.machine.loadAverageAtStart.join(' ')} at start, ${r.machine.loadAverageAtEnd.join(' ')} at end`,
  ];
  if (s.timedOut) warnings.push('WARNING: the service phase hit its deadline with sign-ins unresolved');
  for (const f of [r.floor, r.floorUndici]) {
    if (f?.timedOut) warnings.push(`WARNING: the ${f.http} floor phase hit its deadline with sign-ins unresolved`);
  }
  if (s.sim.polls > s.analysis.polls.logged)
    warnings.push(`WARNING: the simulator's poll log wrapped (${s.sim.polls} polls, ${s.analysis.polls.logged} logged)`);
  return [`== ${title} ==`, formatTable(rows), '', formatTable(old), ...warnings].join('\n');
}
