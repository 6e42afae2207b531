/**
 * `npm run bench`: the load benchmark (issue 7). See bench/README.md for what it measures.
 *
 * Everything it starts listens on 127.0.0.1 only: a private redis-server (or, with `--redis
 * cluster`, a Redis Cluster of three primaries), the Webex simulator as its own process, the
 * service (one ROLE=all process, or N workers + one API), and, for the floor, a minimal polling
 * process. It stops all of them, and itself, when done.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/demo/redis-server';
import { analyzePhase, type PhaseAnalysis } from './analysis';
import { watchLoopDelay } from './loop-delay';
import { ArgsError, parseArgs, USAGE, warmupWorkload, type WorkloadOptions } from './args';
import { CgroupError, createMemoryCgroup, type MemoryCgroup } from './cgroup';
import { FloorBackend, ServiceBackend } from './backends';
import { phaseDeadlineMs, runPhase, type Backend, type PhaseHooks, type PhaseState } from './driver';
import {
  cpuWaitBetween,
  machineCpuBetween,
  readCpuSeconds,
  readCpuWait,
  readMachineCpu,
  readOpenFilesLimit,
  readPeakRss,
  readRss,
} from './proc';
import { Progress } from './progress';
import { redisPhaseCost } from './redis-cost';
import { mergeCommandStats } from './redis-info';
import { CLUSTER_PRIMARIES, RedisPhaseProbe, startBenchRedis, type BenchRedis } from './redis-nodes';
import {
  buildComparison,
  perThousand,
  reportTable,
  type Analysis,
  type FloorHttp,
  type FloorResult,
  type ProcessCost,
  type ServiceResult,
  type StandbyRun,
  type WarmupRun,
  type SimCounters,
  type WorkloadResult,
} from './report';
import { ROOT, startNode, type Child } from './processes';
import { SimClient, type SimStatsLike } from './sim-client';
import { serviceMetrics } from './prom';

const CLIENT_ID = 'sim-client-id';
const CLIENT_SECRET = 'sim-client-secret';
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const CONNECT_CONCURRENCY = 100;
/** Descriptors the bench needs besides one per kiosk socket (HTTP pools, Redis, pipes). */
const FD_MARGIN = 1_000;

const progress = new Progress();

/** A problem the person running the bench can fix; printed without a stack trace. */
class SetupError extends Error {
  override name = 'SetupError';
}

interface Services {
  url: string;
  children: Child[];
  /** With `--service-memory-limit`: each service process's memory cgroup. */
  cgroups: MemoryCgroup[];
}

async function stopServices(services: Services, timeoutMs: number): Promise<void> {
  await Promise.all(services.children.map((c) => c.stop(timeoutMs)));
  for (const cgroup of services.cgroups) cgroup.remove();
}

function log(text: string): void {
  progress.note(text);
}

async function startServices(w: WorkloadOptions, redisEnv: Record<string, string>, simUrl: string): Promise<Services> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const common: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    ...redisEnv,
    WEBEX_CLIENT_ID: CLIENT_ID,
    WEBEX_CLIENT_SECRET: CLIENT_SECRET,
    WEBEX_API_BASE: `${simUrl}/v1`,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DASHBOARD_USER: 'bench',
    DASHBOARD_PASSWORD: randomBytes(12).toString('base64url'),
    WORKER_CONCURRENCY: String(w.workerConcurrency),
    // Issue #12 defaults that a load test must step around: its kiosks are not enrolled, it scrapes
    // /metrics, and thousands of sign-ins and sockets come from one address (127.0.0.1).
    KIOSK_ENROLLMENT: 'open',
    METRICS_PUBLIC: 'true',
    LIMIT_EXEMPT_ADDRESSES: '127.0.0.1',
    LIMIT_PENDING_SIGNINS: String(Math.max(5_000, w.signing * 2)),
    ...(w.pingIntervalS === null ? {} : { SOCKET_PING_INTERVAL_MS: String(w.pingIntervalS * 1000) }),
  };
  const profDir = join(RESULTS_DIR, 'profiles');
  if (w.cpuProf) mkdirSync(profDir, { recursive: true });
  const nodeArgs = (name: string) =>
    w.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `${w.name}-${name}.cpuprofile`] : [];
  const plan: Array<{ name: string; role: string }> =
    w.workers > 0
      ? [
          { name: 'api', role: 'api' },
          ...Array.from({ length: w.workers }, (_, i) => ({ name: `worker${i + 1}`, role: 'worker' })),
        ]
      : [{ name: 'service', role: 'all' }];
  const cgroups = memoryCgroups(
    plan.map((p) => p.name),
    w.serviceMemoryLimitMiB,
  );
  const children = plan.map((p, i) =>
    startNode(
      p.name,
      'dist/src/main.js',
      { ...common, ROLE: p.role },
      { nodeArgs: nodeArgs(p.name), cgroupProcs: cgroups[i]?.procsFile },
    ),
  );
  const services = { url, children, cgroups };
  try {
    await Promise.all(children.map((c) => c.waitFor('is running.', 60_000)));
  } catch (err) {
    await stopServices(services, 5_000);
    throw err;
  }
  return services;
}

/** One memory cgroup per service process, or none without a limit; all or nothing. */
function memoryCgroups(names: string[], limitMiB: number | null): MemoryCgroup[] {
  if (limitMiB === null) return [];
  const made: MemoryCgroup[] = [];
  try {
    for (const name of names) made.push(createMemoryCgroup(`kiosk-bench-${process.pid}-${name}`, limitMiB * 2 ** 20));
  } catch (err) {
    for (const cgroup of made) cgroup.remove();
    throw err instanceof CgroupError ? new SetupError(err.message) : err;
  }
  return made;
}

function cpuOf(pids: number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const s = readCpuSeconds(pid);
    if (s === null) return null;
    total += s;
  }
  return total;
}

function diff(after: number | null, before: number | null): number | null {
  return after === null || before === null ? null : after - before;
}

/** Starts measuring a process: `cost()` gives its CPU and wait for a CPU since, and its peak RSS. */
function meter(name: string, pid: number): { cost(): ProcessCost } {
  const cpu0 = readCpuSeconds(pid);
  const wait0 = readCpuWait(pid);
  return {
    cost: () => ({
      name,
      pid,
      cpuS: diff(readCpuSeconds(pid), cpu0),
      peakRssBytes: readPeakRss(pid),
      cpuWait: cpuWaitBetween(readCpuWait(pid), wait0),
    }),
  };
}

function counters(after: SimStatsLike, before: SimStatsLike): SimCounters {
  return {
    authorizations: after.authorizations - before.authorizations,
    polls: after.polls - before.polls,
    earlyPolls: after.earlyPolls - before.earlyPolls,
    afterTerminal: after.afterTerminal - before.afterTerminal,
    doubleRedemptions: after.doubleRedemptions - before.doubleRedemptions,
    grants: after.grants - before.grants,
    peopleCalls: after.peopleCalls - before.peopleCalls,
    pollsByOutcome: Object.fromEntries(
      Object.entries(after.pollsByOutcome)
        .map(([k, v]) => [k, v - (before.pollsByOutcome[k] ?? 0)] as const)
        .filter(([, v]) => v > 0),
    ),
  };
}

function strip(a: PhaseAnalysis): Analysis {
  const { signInDurationsMs: _drop, ...rest } = a;
  return rest;
}

function estimateS(w: WorkloadOptions): number {
  return w.arrivals === 'steady' ? w.durationS + w.thinkMaxS + w.intervalS : w.thinkMaxS + w.intervalS;
}

/** Progress of a phase: elapsed seconds, with pending sign-ins and the simulator's poll count. */
function phaseHooks(step: string, w: WorkloadOptions, sim: SimClient, extra: PhaseHooks = {}): PhaseHooks {
  const total = estimateS(w);
  progress.begin(step, total, 's');
  let polls = 0;
  let pollsAt = Date.now();
  let rate = 0;
  let asking = false;
  let ticks = 0;
  return {
    ...extra,
    onTick: (s: PhaseState) => {
      if (++ticks % 8 === 0 && !asking) {
        asking = true;
        sim
          .stats()
          .then((st) => {
            const now = Date.now();
            rate = (st.polls - polls) / ((now - pollsAt) / 1000);
            polls = st.polls;
            pollsAt = now;
          })
          .catch(() => undefined)
          .finally(() => (asking = false));
      }
      progress.update(
        Math.min(s.elapsedS, total),
        `started ${s.started}, pending ${s.pending}, ended ${s.finished} | polls ${polls} (${rate.toFixed(0)}/s)`,
      );
    },
  };
}

function gitInfo(): { commit: string | null; changedFiles: number | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' });
    return { commit, changedFiles: changed.split('\n').filter(Boolean).length };
  } catch {
    return { commit: null, changedFiles: null };
  }
}

/**
 * `--warmup S`: the workload's people for S seconds against the same processes, unmeasured, until
 * every one of them is final; the phase that follows then starts from warm code (and idle kiosks).
 */
async function warmUp(
  w: WorkloadOptions,
  backend: Backend,
  sim: SimClient,
  step: string,
  cpu: () => number | null,
): Promise<WarmupRun | null> {
  const warm = warmupWorkload(w);
  if (!warm) return null;
  const cpu0 = cpu();
  const run = await runPhase(warm, backend, sim, phaseHooks(`warm-up: ${step}`, warm, sim));
  progress.end();
  const unresolved = run.signIns.filter((s) => s.finalStatus === null).length;
  if (unresolved > 0) log(`[${w.name}] warm-up of ${step}: ${unresolved} sign-ins still unresolved at its deadline`);
  return {
    seconds: (run.endedAt - run.startedAt) / 1000,
    signIns: run.signIns.length,
    unresolved,
    cpuS: diff(cpu(), cpu0),
  };
}

/**
 * `--standby S`: the service's CPU over S seconds with the kiosks connected and nothing signing in
 * (the window is the measurement; there is no event to wait for), or null for none.
 */
async function standBy(w: WorkloadOptions, pids: number[], kiosks: number): Promise<StandbyRun | null> {
  if (w.standbyS <= 0) return null;
  log(`[${w.name}] standing by ${w.standbyS} s with ${kiosks} kiosks connected…`);
  const cpu0 = cpuOf(pids);
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, w.standbyS * 1000));
  return { seconds: (Date.now() - start) / 1000, kiosks, serviceCpuS: diff(cpuOf(pids), cpu0) };
}

async function runServicePhase(
  w: WorkloadOptions,
  redis: BenchRedis,
  sim: SimClient,
  simChild: Child,
  services: Services,
): Promise<{ result: ServiceResult; durations: number[] }> {
  const pids = services.children.map((c) => c.pid);
  const backend = new ServiceBackend(services.url);

  // Kiosks connect first; that cost is reported on its own line, not per poll.
  progress.begin('connect kiosks', w.kiosks, 'kiosks');
  const connectCpu0 = cpuOf(pids);
  const connectStart = Date.now();
  await backend.fleet.connect(w.kiosks, CONNECT_CONCURRENCY, (n) => progress.update(n, ''));
  const connect = {
    kiosks: (await backend.fleet.counts()).connected,
    seconds: (Date.now() - connectStart) / 1000,
    serviceCpuS: diff(cpuOf(pids), connectCpu0),
    rssAfterConnectBytes: services.children.map((c) => readRss(c.pid)),
  };
  progress.end();
  const warmup = await warmUp(w, backend, sim, 'service', () => cpuOf(pids));
  const standby = await standBy(w, pids, connect.kiosks);

  const metrics = async (): Promise<string | null> => {
    try {
      const res = await fetch(`${services.url}/metrics`, { signal: AbortSignal.timeout(30_000) });
      return res.ok ? await res.text() : null;
    } catch {
      return null;
    }
  };
  // The first scrape also restarts prom-client's event-loop delay histogram, so the second covers the phase.
  const metrics0 = await metrics();
  const stats0 = await sim.stats();
  const cpu0 = cpuOf(pids);
  const cpuReadAt0 = Date.now();
  const processMeters = services.children.map((c) => meter(c.name, c.pid));
  const simMeter = meter('simulator', simChild.pid);
  const machine0 = readMachineCpu();
  const benchCpu0 = process.cpuUsage();
  const kioskPids = backend.fleet.pids;
  const kioskCpu0 = cpuOf(kioskPids);
  const redisProbe = await RedisPhaseProbe.start(redis);
  let memPending = 0;
  const hooks = phaseHooks('service', w, sim, {
    onInitialBatch: async (pending) => {
      await redisProbe.sampleMemory();
      memPending = pending;
    },
  });
  const benchLoop = watchLoopDelay();
  backend.fleet.startLoopDelay();
  const run = await runPhase(w, backend, sim, hooks);
  const benchLoopDelayMs = benchLoop.stop();
  const kiosksLoopDelayMs = await backend.fleet.stopLoopDelay();
  progress.end();
  await new Promise((r) => setTimeout(r, 500)); // let the last answers land before reading the counters
  const metrics1 = await metrics();
  const cpu1 = cpuOf(pids);
  const machine = machineCpuBetween(readMachineCpu(), machine0);
  const phaseSeconds = (Date.now() - cpuReadAt0) / 1000;
  const redisReadings = await redisProbe.finish();
  const simulator = simMeter.cost();
  const benchCpu = process.cpuUsage(benchCpu0);
  const kiosksCpuS = diff(cpuOf(kioskPids), kioskCpu0);
  const stats1 = await sim.stats();
  const records = (await sim.polls()).filter((r) => r.at >= run.startedAt);
  const analysis = analyzePhase(run, records, w.intervalS, w.durationS);
  const simCounters = counters(stats1, stats0);
  const redisCost = redisPhaseCost(
    redisReadings,
    mergeCommandStats(redisReadings.map((r) => r.commandStats)),
    simCounters.polls,
    memPending,
  );
  const serviceCpuS = diff(cpu1, cpu0);
  const redisCpuS = redisCost.cpuS;
  const processes = processMeters.map((m) => m.cost());
  const result: ServiceResult = {
    warmup,
    standby,
    machine,
    processes,
    redis:
      w.redis === 'single'
        ? { name: 'redis', pid: redis.primaries[0].pid, cpuS: redisCpuS, peakRssBytes: redisCost.peakRssBytes }
        : {
            name: 'redis cluster',
            pid: null,
            cpuS: redisCpuS,
            peakRssBytes: redisCost.peakRssBytes,
            primaries: redisCost.primaries,
          },
    simulator,
    bench: {
      cpuS: (benchCpu.user + benchCpu.system) / 1e6,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      loopDelayMs: benchLoopDelayMs,
      kiosks: {
        processes: kioskPids.length,
        cpuS: kiosksCpuS,
        peakRssBytes: kioskPids.reduce((sum, pid) => sum + (readPeakRss(pid) ?? 0), 0),
        loopDelayMs: kiosksLoopDelayMs,
      },
    },
    connect,
    kiosks: await backend.fleet.counts(),
    analysis: strip(analysis),
    sim: simCounters,
    serviceMetrics: metrics1 === null ? null : serviceMetrics(metrics1, metrics0),
    cost: {
      polls: simCounters.polls,
      phaseSeconds,
      serviceCpuS,
      redisCpuS,
      serviceCpuSPer1000Polls: perThousand(serviceCpuS, simCounters.polls),
      redisCpuSPer1000Polls: perThousand(redisCpuS, simCounters.polls),
      serviceAndRedisCpuSPer1000Polls: perThousand(
        serviceCpuS === null || redisCpuS === null ? null : serviceCpuS + redisCpuS,
        simCounters.polls,
      ),
      redisCommandsPerPoll: redisCost.commandsPerPoll,
      redisCommandsPerPollByCommand: redisCost.commandsPerPollByCommand,
      redisBytesPerPendingSession: redisCost.bytesPerPendingSession,
      redisBytesPerPendingSessionByPart: redisCost.bytesPerPendingSessionByPart,
      redisLatencyHistogramBytesPerPendingSession: redisCost.latencyHistogramBytesPerPendingSession,
      redisKeysPerPendingSession: redisCost.keysPerPendingSession,
      pendingAtMemorySample: memPending,
    },
    timedOut: run.timedOut,
  };
  await backend.fleet.closeAll();
  return { result, durations: analysis.signInDurationsMs };
}

async function runFloorPhase(
  w: WorkloadOptions,
  sim: SimClient,
  simChild: Child,
  simUrl: string,
  http: FloorHttp,
): Promise<FloorResult> {
  await sim.reset();
  const child = startNode(
    `floor-${http}`,
    'dist/bench/floor.js',
    { FLOOR_API_BASE: `${simUrl}/v1`, FLOOR_CLIENT_ID: CLIENT_ID, FLOOR_CLIENT_SECRET: CLIENT_SECRET, FLOOR_HTTP: http },
    { ipc: true },
  );
  const backend = new FloorBackend(child);
  try {
    await backend.ready(30_000);
    const warmup = await warmUp(w, backend, sim, `floor (${http})`, () => readCpuSeconds(child.pid));
    const stats0 = await sim.stats();
    const floorMeter = meter(`floor-${http}`, child.pid);
    const simMeter = meter('simulator', simChild.pid);
    const machine0 = readMachineCpu();
    const benchLoop = watchLoopDelay();
    const run = await runPhase(w, backend, sim, phaseHooks(`floor (${http})`, w, sim));
    const benchLoopDelayMs = benchLoop.stop();
    progress.end();
    await new Promise((r) => setTimeout(r, 500));
    const floorProcess = floorMeter.cost();
    const simulator = simMeter.cost();
    const cpuS = floorProcess.cpuS;
    const machine = machineCpuBetween(readMachineCpu(), machine0);
    const stats1 = await sim.stats();
    const records = (await sim.polls()).filter((r) => r.at >= run.startedAt);
    const analysis = analyzePhase(run, records, w.intervalS, w.durationS);
    const simCounters = counters(stats1, stats0);
    return {
      warmup,
      http,
      machine,
      process: floorProcess,
      simulator,
      analysis: strip(analysis),
      sim: simCounters,
      cost: { polls: simCounters.polls, cpuS, cpuSPer1000Polls: perThousand(cpuS, simCounters.polls) },
      benchLoopDelayMs,
      timedOut: run.timedOut,
    };
  } finally {
    backend.stop();
    await child.stop(5_000);
  }
}

async function runWorkload(w: WorkloadOptions, command: string): Promise<WorkloadResult> {
  const startedAt = new Date();
  const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const fdLimit = readOpenFilesLimit();
  if (fdLimit !== null && fdLimit < w.kiosks + FD_MARGIN) {
    throw new SetupError(
      `${w.kiosks} kiosks need about ${w.kiosks + FD_MARGIN} open files in this process, but the limit is ${fdLimit}. ` +
        `Node cannot raise it: run \`ulimit -n ${Math.max(65_536, w.kiosks * 2)}\` in this shell first (or use fewer --kiosks).`,
    );
  }
  log(
    `[${w.name}] starting ${w.redis === 'cluster' ? `a Redis Cluster (${CLUSTER_PRIMARIES} primaries, ${w.shards} shards)` : 'redis-server'}, the simulator and the service (${w.workers > 0 ? `${w.workers} workers + api` : 'ROLE=all'})…`,
  );
  const redis = await startBenchRedis(w);
  const simPort = await freePort();
  const simUrl = `http://127.0.0.1:${simPort}`;
  const simChild = startNode('simulator', 'dist/src/simulator/standalone.js', {
    SIM_PORT: String(simPort),
    SIM_HOST: '127.0.0.1',
    SIM_PUBLIC_URL: simUrl,
    SIM_INTERVAL_S: String(w.intervalS),
    // Longer than any sign-in of the run: codes "expire" only when a person's plan says so (/_sim/expire).
    SIM_EXPIRES_IN_S: String(Math.min(86_400, Math.ceil(phaseDeadlineMs(w) / 1000) + 600)),
  });
  let services: Services | null = null;
  try {
    await simChild.waitFor('Webex simulator listening on', 30_000);
    const sim = new SimClient(simUrl);
    services = await startServices(w, redis.serviceEnv, simUrl);
    const { result: service, durations } = await runServicePhase(w, redis, sim, simChild, services);
    log(`[${w.name}] service phase done; stopping the service${w.cpuProf ? ' (writing CPU profiles)' : ''}…`);
    await stopServices(services, 30_000);
    services = null;
    const floor = w.floor ? await runFloorPhase(w, sim, simChild, simUrl, 'fetch') : null;
    const floorUndici = w.floor ? await runFloorPhase(w, sim, simChild, simUrl, 'undici') : null;
    service.simulator.peakRssBytes = readPeakRss(simChild.pid);
    return {
      workload: w.name,
      command,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      options: w,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        openFilesLimit: fdLimit,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
      },
      code: gitInfo(),
      service,
      floor,
      floorUndici,
      comparison: buildComparison(service, floor, floorUndici, w, durations),
    };
  } finally {
    progress.end();
    if (services) await stopServices(services, 10_000);
    await simChild.stop(5_000);
    redis.stop();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof ArgsError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  // A hard stop for the whole run, whatever happens: the sum of each workload's bounded phases.
  const budgetMs = args.workloads.reduce((t, w) => t + 2 * phaseDeadlineMs(w) + 10 * 60_000, 0);
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: gave up after ${Math.round(budgetMs / 1000)} s\n`);
    process.exit(3);
  }, budgetMs);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

  mkdirSync(RESULTS_DIR, { recursive: true });
  const command = `node dist/bench/run.js ${argv.join(' ')}`.trim();
  for (const w of args.workloads) {
    const result = await runWorkload(w, command);
    const file = join(RESULTS_DIR, `${w.name}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    const table = reportTable(result);
    process.stdout.write(`\n${table}\n(written to ${file})\n`);
  }
  clearTimeout(watchdog);
  process.exit(0);
}

main().catch((err: unknown) => {
  progress.end();
  const detail = err instanceof SetupError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`bench failed: ${detail}\n`);
  process.exit(1);
});
