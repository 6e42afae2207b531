import { describe, expect, it } from 'vitest';
import { groupUserCode } from './user-code';

describe('groupUserCode (RFC 8628 §6.1)', () => {
  it.each([
    ['LELW2DY9', 'LELW-2DY9'],
    ['ABC123XYZ', 'ABC-123-XYZ'],
    ['ABC123', 'ABC-123'],
    ['ABCDEFGHIJ', 'ABCDE-FGHIJ'],
    ['ABCDEFG', 'ABCD-EFG'],
    ['ABCDEFGHIJKL', 'ABCD-EFGH-IJKL'],
  ])('groups %s as %s', (code, shown) => {
    expect(groupUserCode(code)).toBe(shown);
  });

  it.each([
    ['WDJB-MJHT', 'WDJB-MJHT'],
    ['123-456', '123-456'],
    ['ABCD EFGH', 'ABCD EFGH'],
    ['ABCDE', 'ABCDE'],
    ['', ''],
  ])('leaves %j as the provider wrote it (separators already there, or too short to split)', (code, shown) => {
    expect(groupUserCode(code)).toBe(shown);
  });

  it('keeps the case the provider used', () => {
    expect(groupUserCode('lelw2dy9')).toBe('lelw-2dy9');
  });

  it('trims surrounding white space', () => {
    expect(groupUserCode('  LELW2DY9 ')).toBe('LELW-2DY9');
  });
});
