import { describe, expect, it } from 'vitest';
import {
  cpuWaitBetween,
  machineCpuBetween,
  parseMachineCpu,
  parseOpenFilesLimit,
  parseSchedstat,
  parseStatTicks,
  parseStatusKb,
} from './proc';

describe('parseStatTicks', () => {
  it('adds utime (field 14) and stime (field 15)', () => {
    const stat = '1234 (node) S 1 1234 1234 0 -1 4194560 5000 0 0 0 731 120 0 0 20 0 11 0 100 1000000 5000 18446744073709551615';
    expect(parseStatTicks(stat)).toBe(851);
  });

  it('copes with spaces and parentheses in the command name', () => {
    const stat = '99 (my (odd) name) R 1 99 99 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 5 0 0';
    expect(parseStatTicks(stat)).toBe(10);
  });

  it('throws on something else', () => {
    expect(() => parseStatTicks('garbage')).toThrow();
  });
});

describe('parseStatusKb', () => {
  const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';

  it('reads the peak and current resident set in bytes', () => {
    expect(parseStatusKb(status, 'VmHWM')).toBe(204_800 * 1024);
    expect(parseStatusKb(status, 'VmRSS')).toBe(102_400 * 1024);
  });

  it('is null when the field is absent (a kernel thread, a zombie)', () => {
    expect(parseStatusKb('Name:\tkthreadd\n', 'VmHWM')).toBeNull();
  });
});

describe('parseOpenFilesLimit', () => {
  it('reads the soft limit', () => {
    const limits =
      'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n';
    expect(parseOpenFilesLimit(limits)).toBe(20_000);
    expect(parseOpenFilesLimit('Max open files            unlimited            unlimited            files')).toBe(Infinity);
    expect(parseOpenFilesLimit('')).toBeNull();
  });
});

describe('parseSchedstat', () => {
  it('reads the run-queue wait (the second field) in seconds and the time slices (the third)', () => {
    const w = parseSchedstat('875569284 363453313 4973\n');
    expect(w.waitS).toBeCloseTo(0.363453313, 9);
    expect(w.slices).toBe(4973);
  });

  it('refuses text that is not a schedstat line', () => {
    expect(() => parseSchedstat('')).toThrow();
    expect(() => parseSchedstat('1 2')).toThrow();
    expect(() => parseSchedstat('1 x 3')).toThrow();
  });
});

describe('cpuWaitBetween', () => {
  it('subtracts, and is null when either reading is missing', () => {
    expect(cpuWaitBetween({ waitS: 3, slices: 50 }, { waitS: 1, slices: 20 })).toEqual({ waitS: 2, slices: 30 });
    expect(cpuWaitBetween(null, { waitS: 1, slices: 20 })).toBeNull();
    expect(cpuWaitBetween({ waitS: 1, slices: 20 }, null)).toBeNull();
  });
});

describe('parseMachineCpu', () => {
  const stat = 'cpu  17921 5 6879 106368 534 10 282 47 0 0\ncpu0 8364 0 2819 54674 41 0 94 19 0 0\n';

  it('adds the busy fields, the idle ones, and reads steal, from the all-CPU line', () => {
    expect(parseMachineCpu(stat)).toEqual({ busyS: 250.97, idleS: 1069.02, stealS: 0.47 });
  });

  it('refuses text without a "cpu" line', () => {
    expect(() => parseMachineCpu('cpu0 1 2 3 4 5 6 7 8\n')).toThrow();
    expect(() => parseMachineCpu('cpu 1 2 3\n')).toThrow();
  });

  it('subtracts two readings', () => {
    const a = { busyS: 10, idleS: 5, stealS: 1 };
    expect(machineCpuBetween({ busyS: 15, idleS: 9, stealS: 3 }, a)).toEqual({ busyS: 5, idleS: 4, stealS: 2 });
    expect(machineCpuBetween(null, a)).toBeNull();
  });
});
