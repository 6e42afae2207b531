/** Command-line options of `npm run bench` and the two standard workloads. Pure. */
import { DEFAULT_PING_INTERVAL_MS } from '../src/config/socket-heartbeat';

export type WorkloadName = 'fleet' | 'surge';

/** One private redis-server, or a Redis Cluster of three primaries. */
export type RedisMode = 'single' | 'cluster';

/** The service's REDIS_SHARDS accepts 1-256. */
export const MAX_SHARDS = 256;

export interface WorkloadOptions {
  name: WorkloadName;
  /** Kiosks connected over Socket.IO for the whole run. */
  kiosks: number;
  /** Sign-ins in progress at once (fleet: kept up by new arrivals; surge: all start at once). */
  signing: number;
  /** `interval` the simulated Webex hands out, seconds. */
  intervalS: number;
  /** Fleet: how long new people keep arriving. Surge: the latest decision time. Seconds. */
  durationS: number;
  /** 0: one ROLE=all process; N: N ROLE=worker processes plus one ROLE=api. */
  workers: number;
  /** After a session is created, its person decides after a uniform time in [thinkMinS, thinkMaxS]. */
  thinkMinS: number;
  thinkMaxS: number;
  /** Shares of decisions that deny and that let the code expire; the rest approve. */
  denyShare: number;
  expireShare: number;
  /** steady: a finished sign-in is replaced by a new person at an idle kiosk; burst: everyone once, at the start. */
  arrivals: 'steady' | 'burst';
  /** WORKER_CONCURRENCY of each worker process. */
  workerConcurrency: number;
  seed: number;
  /** Also run the same workload through the minimal timer loop (the floor). */
  floor: boolean;
  /** Run the service processes under `node --cpu-prof` (profiles go to bench/results/profiles/). */
  cpuProf: boolean;
  /** What the service stores its state in. */
  redis: RedisMode;
  /** REDIS_SHARDS of the service (cluster only; 1 with a single redis-server). */
  shards: number;
  /**
   * Each service process runs in a memory cgroup of this many MiB (as in a container with a memory
   * limit, from which Node sizes its heap); null: no limit.
   */
  serviceMemoryLimitMiB: number | null;
  /**
   * Seconds of arrivals played before the measured phase, against the same processes, and waited
   * out until every one of them is final (`warmupWorkload`); 0: none, the phase meets a cold process.
   */
  warmupS: number;
  /**
   * Seconds the service stands by with the kiosks connected and nothing signing in, measured
   * before the phase (`standby` in the report); 0: not measured.
   */
  standbyS: number;
  /** The service's SOCKET_PING_INTERVAL_MS in seconds; null: its default (Socket.IO's 25 s). */
  pingIntervalS: number | null;
}

/** The service's default ping interval (SOCKET_PING_INTERVAL_MS, Socket.IO's own), seconds. */
export const SERVICE_PING_INTERVAL_S = DEFAULT_PING_INTERVAL_MS / 1000;

/**
 * A standby window as long as the ping interval holds one heartbeat of every connected kiosk,
 * however their connections were spread.
 */
export const STANDBY_DEFAULT_S = SERVICE_PING_INTERVAL_S;

export interface BenchArgs {
  workloads: WorkloadOptions[];
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]     (or: node dist/bench/run.js [options])

  --workload fleet|surge|all   which workload (default: all = fleet, then surge)
  --kiosks N                   kiosks connected over Socket.IO           (fleet 10000, surge 10000)
  --signing N                  sign-ins in progress at once              (fleet 1000,  surge 10000)
  --interval S                 polling interval Webex hands out, seconds (fleet 2,     surge 30)
  --duration S                 fleet: arrivals keep coming this long; surge: the last decision (fleet 120, surge 180)
  --workers N                  N separate ROLE=worker processes + 1 ROLE=api (default 0: one ROLE=all)
  --think MIN-MAX              seconds from "code shown" to the person's decision (fleet 5-40, surge duration/2-duration)
  --deny-share F               share of people who deny (default 0.1)
  --expire-share F             share of codes left to expire (default 0.1); the rest approve
  --worker-concurrency N       WORKER_CONCURRENCY per worker process (default 50)
  --seed N                     seed of the random decisions (default 1)
  --no-floor                   skip the minimal-timer-loop comparison
  --cpu-prof                   run service processes under node --cpu-prof (slows them; not for recorded figures)
  --redis single|cluster       one redis-server, or a Redis Cluster of 3 primaries (default: single)
  --shards N                   REDIS_SHARDS of the service, 1-${MAX_SHARDS}; only with --redis cluster (default 1)
  --service-memory-limit MIB   run each service process in a memory cgroup of MIB MiB, like a container's
                               limit (Node sizes its heap from it); needs root and a cgroup memory controller
  --warmup S                   first play S seconds of steady arrivals, unmeasured, and wait until they are
                               final, so that the phase measures warm processes (default 0: cold)
  --standby S                  before the phase, measure the service with the kiosks connected and nothing
                               signing in for S seconds (default: the ping interval, one heartbeat of each kiosk; 0: skip)
  --ping-interval S            the service's SOCKET_PING_INTERVAL_MS, in seconds (default: the service's, ${SERVICE_PING_INTERVAL_S})
  --help
`;

export class ArgsError extends Error {
  override name = 'ArgsError';
}

interface Overrides {
  kiosks?: number;
  signing?: number;
  intervalS?: number;
  durationS?: number;
  workers?: number;
  think?: [number, number];
  denyShare?: number;
  expireShare?: number;
  workerConcurrency?: number;
  seed?: number;
  floor?: boolean;
  cpuProf?: boolean;
  redis?: RedisMode;
  shards?: number;
  serviceMemoryLimitMiB?: number;
  warmupS?: number;
  standbyS?: number;
  pingIntervalS?: number;
}

/** The standard workloads of issue 7, with any overrides applied. */
export function workloadDefaults(name: WorkloadName, o: Overrides = {}): WorkloadOptions {
  const base =
    name === 'fleet'
      ? { kiosks: 10_000, signing: 1_000, intervalS: 2, durationS: 120, arrivals: 'steady' as const }
      : { kiosks: 10_000, signing: 10_000, intervalS: 30, durationS: 180, arrivals: 'burst' as const };
  const kiosks = o.kiosks ?? (o.signing !== undefined && name === 'surge' ? Math.max(o.signing, 1) : base.kiosks);
  const signing = o.signing ?? Math.min(base.signing, kiosks);
  const durationS = o.durationS ?? base.durationS;
  const think: [number, number] = o.think ?? (name === 'fleet' ? [5, 40] : [Math.round(durationS / 2), durationS]);
  return {
    name,
    kiosks,
    signing,
    intervalS: o.intervalS ?? base.intervalS,
    durationS,
    workers: o.workers ?? 0,
    thinkMinS: think[0],
    thinkMaxS: think[1],
    denyShare: o.denyShare ?? 0.1,
    expireShare: o.expireShare ?? 0.1,
    arrivals: base.arrivals,
    workerConcurrency: o.workerConcurrency ?? 50,
    seed: o.seed ?? 1,
    floor: o.floor ?? true,
    cpuProf: o.cpuProf ?? false,
    redis: o.redis ?? 'single',
    shards: o.shards ?? 1,
    serviceMemoryLimitMiB: o.serviceMemoryLimitMiB ?? null,
    warmupS: o.warmupS ?? 0,
    standbyS: o.standbyS ?? o.pingIntervalS ?? STANDBY_DEFAULT_S,
    pingIntervalS: o.pingIntervalS ?? null,
  };
}

/** At most this many sign-ins at once in a warm-up: the code paths warm up, not the memory. */
const WARMUP_MAX_SIGNING = 1_000;

/**
 * The unmeasured play before a phase (`--warmup S`), or null for none: the workload's own people
 * (decisions, think times, interval) arriving steadily for S seconds, with another seed, at most
 * WARMUP_MAX_SIGNING of them at once, and no one thinking longer than S. Every code path the phase
 * takes — start, watch, polls, grant, profile, push, deny, expire — runs often enough for V8 to
 * have optimised it; the phase then measures what a process that has been up a while spends.
 */
export function warmupWorkload(w: WorkloadOptions): WorkloadOptions | null {
  if (w.warmupS <= 0) return null;
  const thinkMaxS = Math.min(w.thinkMaxS, w.warmupS);
  return {
    ...w,
    arrivals: 'steady',
    durationS: w.warmupS,
    signing: Math.min(w.signing, WARMUP_MAX_SIGNING),
    thinkMinS: Math.min(w.thinkMinS, thinkMaxS),
    thinkMaxS,
    seed: w.seed + 1,
  };
}

function positiveInt(flag: string, raw: string, min = 1): number {
  if (!/^\d+$/.test(raw)) throw new ArgsError(`${flag} needs a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min) throw new ArgsError(`${flag} must be at least ${min}`);
  return n;
}

function share(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new ArgsError(`${flag} needs a number from 0 to 1, got "${raw}"`);
  return n;
}

function thinkRange(raw: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(raw);
  if (!m) throw new ArgsError(`--think needs MIN-MAX in seconds, e.g. 5-40; got "${raw}"`);
  const range: [number, number] = [Number(m[1]), Number(m[2])];
  if (range[0] > range[1]) throw new ArgsError('--think: MIN must not exceed MAX');
  return range;
}

const VALUE_FLAGS = new Set([
  '--workload',
  '--kiosks',
  '--signing',
  '--interval',
  '--duration',
  '--workers',
  '--think',
  '--deny-share',
  '--expire-share',
  '--worker-concurrency',
  '--seed',
  '--redis',
  '--shards',
  '--service-memory-limit',
  '--warmup',
  '--standby',
  '--ping-interval',
]);

export function parseArgs(argv: readonly string[]): BenchArgs {
  const o: Overrides = {};
  let workload = 'all';
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value: string | undefined;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    if (VALUE_FLAGS.has(flag) && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new ArgsError(`${flag} needs a value`);
    } else if (!VALUE_FLAGS.has(flag) && value !== undefined) {
      throw new ArgsError(`${flag} takes no value`);
    }
    const v = value ?? '';
    switch (flag) {
      case '--workload':
        if (!['fleet', 'surge', 'all'].includes(v)) throw new ArgsError(`--workload must be fleet, surge or all; got "${v}"`);
        workload = v;
        break;
      case '--kiosks':
        o.kiosks = positiveInt(flag, v);
        break;
      case '--signing':
        o.signing = positiveInt(flag, v);
        break;
      case '--interval':
        o.intervalS = positiveInt(flag, v);
        break;
      case '--duration':
        o.durationS = positiveInt(flag, v);
        break;
      case '--workers':
        o.workers = positiveInt(flag, v, 0);
        break;
      case '--think':
        o.think = thinkRange(v);
        break;
      case '--deny-share':
        o.denyShare = share(flag, v);
        break;
      case '--expire-share':
        o.expireShare = share(flag, v);
        break;
      case '--worker-concurrency':
        o.workerConcurrency = positiveInt(flag, v);
        break;
      case '--seed':
        o.seed = positiveInt(flag, v, 0);
        break;
      case '--no-floor':
        o.floor = false;
        break;
      case '--cpu-prof':
        o.cpuProf = true;
        break;
      case '--redis':
        if (v !== 'single' && v !== 'cluster') throw new ArgsError(`--redis must be single or cluster; got "${v}"`);
        o.redis = v;
        break;
      case '--shards':
        o.shards = positiveInt(flag, v);
        if (o.shards > MAX_SHARDS) throw new ArgsError(`--shards must be at most ${MAX_SHARDS}`);
        break;
      case '--service-memory-limit':
        // Below ~128 MiB the service does not start; a limit is for measuring, not for starving it.
        o.serviceMemoryLimitMiB = positiveInt(flag, v, 128);
        break;
      case '--warmup':
        o.warmupS = positiveInt(flag, v, 0);
        break;
      case '--standby':
        o.standbyS = positiveInt(flag, v, 0);
        break;
      case '--ping-interval':
        // The service accepts 1 s to 10 min (SOCKET_PING_INTERVAL_MS).
        o.pingIntervalS = positiveInt(flag, v);
        if (o.pingIntervalS > 600) throw new ArgsError('--ping-interval must be at most 600');
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new ArgsError(`unknown option "${flag}"`);
    }
  }
  // Shards spread the service's keys over a cluster's slots; a single redis-server has nothing to spread them over.
  if ((o.shards ?? 1) > 1 && o.redis !== 'cluster') throw new ArgsError('--shards needs --redis cluster');
  if ((o.denyShare ?? 0.1) + (o.expireShare ?? 0.1) > 1)
    throw new ArgsError('--deny-share plus --expire-share must not exceed 1');
  const names: WorkloadName[] = workload === 'all' ? ['fleet', 'surge'] : [workload as WorkloadName];
  const workloads = names.map((name) => workloadDefaults(name, o));
  for (const w of workloads) {
    if (w.signing > w.kiosks) throw new ArgsError(`${w.name}: --signing (${w.signing}) cannot exceed --kiosks (${w.kiosks})`);
    if (w.kiosks > 50_000) throw new ArgsError('--kiosks above 50000 would exhaust loopback ports and file descriptors');
  }
  return { workloads, help };
}
