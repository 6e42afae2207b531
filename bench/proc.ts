import { readFileSync } from 'node:fs';

/**
 * CPU time and peak memory of a process, from Linux's /proc. The parsers are pure; `read*`
 * return null when the process is gone or /proc is missing.
 */

/** utime + stime, in clock ticks, from the text of /proc/<pid>/stat. */
export function parseStatTicks(stat: string): number {
  // Field 2 (comm) is in parentheses and may itself contain spaces or ')': split after the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line');
  const rest = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state), so field n is rest[n - 3]: utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('no utime/stime in /proc/<pid>/stat');
  return utime + stime;
}

/** A "Vm…: 1234 kB" line of /proc/<pid>/status, in bytes, or null. */
export function parseStatusKb(status: string, field: 'VmHWM' | 'VmRSS'): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : null;
}

/** Linux's USER_HZ; 100 on every mainstream architecture (`getconf CLK_TCK`). */
export const CLOCK_TICKS_PER_S = 100;

export function readCpuSeconds(pid: number): number | null {
  try {
    return parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

export function readPeakRss(pid: number): number | null {
  try {
    return parseStatusKb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmHWM');
  } catch {
    return null;
  }
}

export function readRss(pid: number): number | null {
  try {
    return parseStatusKb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
  } catch {
    return null;
  }
}

/** How long a thread waited for a CPU: the sum, and the number of times it was run (its time slices). */
export interface CpuWait {
  waitS: number;
  slices: number;
}

/**
 * From the text of /proc/<pid>/schedstat ("<ns on a CPU> <ns waiting on a run queue> <time
 * slices>"), the seconds a process's main thread (its event loop, for Node) spent runnable but
 * waiting for a CPU, and how many times it got one: each wake-up of an idle loop is one slice.
 */
export function parseSchedstat(schedstat: string): CpuWait {
  const fields = schedstat.trim().split(/\s+/).map(Number);
  if (fields.length !== 3 || !fields.every(Number.isFinite)) throw new Error('not a /proc/<pid>/schedstat line');
  return { waitS: fields[1] / 1e9, slices: fields[2] };
}

/** null when the process is gone, or the kernel keeps no scheduler statistics. */
export function readCpuWait(pid: number): CpuWait | null {
  try {
    return parseSchedstat(readFileSync(`/proc/${pid}/schedstat`, 'utf8'));
  } catch {
    return null;
  }
}

/** `after − before`, or null if either is missing. */
export function cpuWaitBetween(after: CpuWait | null, before: CpuWait | null): CpuWait | null {
  return after && before ? { waitS: after.waitS - before.waitS, slices: after.slices - before.slices } : null;
}

/** What the machine's CPUs did, summed over all of them, in seconds since boot (or between two readings). */
export interface MachineCpu {
  /** Running anything: user, nice, system, interrupts. */
  busyS: number;
  /** Idle, or waiting for I/O. */
  idleS: number;
  /** Taken by the hypervisor for other guests while this one had work to run. */
  stealS: number;
}

/** From the "cpu" line of /proc/stat (fields in clock ticks: user nice system idle iowait irq softirq steal …). */
export function parseMachineCpu(stat: string): MachineCpu {
  const line = /^cpu\s+(.*)$/m.exec(stat);
  const t = line ? line[1].trim().split(/\s+/).map(Number) : [];
  if (t.length < 8 || !t.slice(0, 8).every(Number.isFinite)) throw new Error('no "cpu" line in /proc/stat');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = t;
  const s = (ticks: number) => ticks / CLOCK_TICKS_PER_S;
  return { busyS: s(user + nice + system + irq + softirq), idleS: s(idle + iowait), stealS: s(steal) };
}

export function readMachineCpu(): MachineCpu | null {
  try {
    return parseMachineCpu(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

export function machineCpuBetween(after: MachineCpu | null, before: MachineCpu | null): MachineCpu | null {
  if (!after || !before) return null;
  return { busyS: after.busyS - before.busyS, idleS: after.idleS - before.idleS, stealS: after.stealS - before.stealS };
}

/** The soft "Max open files" limit of `pid` (default: this process), from /proc/<pid>/limits. */
export function parseOpenFilesLimit(limits: string): number | null {
  const m = /^Max open files\s+(\d+|unlimited)\s+/m.exec(limits);
  if (!m) return null;
  return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
}

export function readOpenFilesLimit(pid: number | 'self' = 'self'): number | null {
  try {
    return parseOpenFilesLimit(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  } catch {
    return null;
  }
}
