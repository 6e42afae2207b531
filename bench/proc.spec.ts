import { describe, expect, it } from 'vitest';
import { parseOpenFilesLimit, parseStatTicks, parseStatusKb } from './proc';

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
