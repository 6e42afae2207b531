/** Plain-text tables for the terminal. Pure. */

/** Left-aligned columns separated by two spaces; the first row is the header, underlined. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const cols = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) =>
    widths
      .map((w, c) => (r[c] ?? '').padEnd(w))
      .join('  ')
      .trimEnd();
  const [head, ...body] = rows;
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** 12345.678 → "12,346"; small numbers keep `digits` decimals; null → "—". */
export function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (Math.abs(n) >= 1024 * 1024) return `${fmt(n / (1024 * 1024), 1)} MiB`;
  if (Math.abs(n) >= 1024) return `${fmt(n / 1024, 1)} KiB`;
  return `${fmt(n)} B`;
}

/** "min / p50 / p99 / max" of a summary. */
export function fmtSpread(
  s: { min: number | null; p50: number | null; p99: number | null; max: number | null },
  digits = 0,
): string {
  return [s.min, s.p50, s.p99, s.max].map((v) => fmt(v, digits)).join(' / ');
}
