import { describe, expect, it } from 'vitest';
import { fmt, fmtBytes, fmtSpread, formatTable } from './table';

describe('formatTable', () => {
  it('aligns columns and underlines the header', () => {
    const text = formatTable([
      ['figure', 'ours', 'floor'],
      ['polls/s', '500', '501'],
      ['early polls', '0'],
    ]);
    expect(text.split('\n')).toEqual([
      'figure       ours  floor',
      '-----------  ----  -----',
      'polls/s      500   501',
      'early polls  0',
    ]);
  });

  it('is empty for no rows', () => {
    expect(formatTable([])).toBe('');
  });
});

describe('formatting numbers', () => {
  it('groups thousands and marks missing values', () => {
    expect(fmt(12345.678)).toBe('12,346');
    expect(fmt(1.23456, 2)).toBe('1.23');
    expect(fmt(null)).toBe('—');
    expect(fmt(Number.NaN)).toBe('—');
  });

  it('scales bytes', () => {
    expect(fmtBytes(512)).toBe('512 B');
    expect(fmtBytes(2048)).toBe('2.0 KiB');
    expect(fmtBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
  });

  it('prints a spread', () => {
    expect(fmtSpread({ min: 1, p50: 2, p99: 30, max: 1234 })).toBe('1 / 2 / 30 / 1,234');
  });
});
