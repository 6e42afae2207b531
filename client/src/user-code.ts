/**
 * How a user code is shown. RFC 8628 §6.1: codes are easier to read and type when split into
 * groups with a separator (`LELW-2DY9`), and the verification page should accept them with or
 * without it. Only the display changes: the code the provider sent stays as it was in the
 * SessionView. Pure.
 */

/** Group sizes tried in order: the first that splits the code evenly wins (8 → 4-4, 9 → 3-3-3). */
const GROUP_SIZES = [4, 3, 5] as const;

export function groupUserCode(code: string): string {
  const trimmed = code.trim();
  // A code that already carries separators (or any other punctuation) is shown as the provider wrote it.
  if (!/^[A-Za-z0-9]+$/.test(trimmed) || trimmed.length < 6) return trimmed;
  const size = GROUP_SIZES.find((n) => trimmed.length % n === 0) ?? 4;
  const groups: string[] = [];
  for (let i = 0; i < trimmed.length; i += size) groups.push(trimmed.slice(i, i + size));
  return groups.join('-');
}
