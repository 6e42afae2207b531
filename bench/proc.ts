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
