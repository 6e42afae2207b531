import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what its last full collection kept before it runs
 * the next one, in per cent: 100 lets it double.
 *
 * Left to itself on a machine with memory to spare (no `--max-old-space-size`), V8 allows up to four
 * times the live heap, and a service under sign-in traffic promotes enough short-lived garbage
 * (a poll's pipeline, a provider request, a request's logger) to use all of it: at 10,000 kiosks,
 * ≈165 MB live made a peak RSS of 600–650 MiB. Twice the live heap holds much less garbage for
 * the price of a full collection more often — most of its marking runs beside the event loop, and
 * the full-size benchmark's CPU did not rise (bench/README.md, "December, sixteenth").
 *
 * The flag fixes the factor; it does not cap V8's. A lightly loaded process, for which V8 would
 * have chosen less than two, holds a little more (the benchmark's small run: +30 MiB). So does a
 * small heap: near its limit V8 grows the heap more cautiously than twice, and the flag would
 * override that too (in the API pods' 768 MiB, where Node gives the heap ≈ 400 MiB, the full-size
 * peak rose from 297 to 360 MiB). Below `MIN_HEAP_LIMIT` the heap is left to V8.
 */
export const HEAP_GROWING_PERCENT = 100;

/** The smallest heap limit (V8's `heap_size_limit`: Node's default, or sized from a container's memory limit) the policy applies to. */
export const MIN_HEAP_LIMIT = 1024 * 1024 * 1024;

/** Node options by which an operator already chose how this process's heap grows or how big it gets. */
const OPERATOR_HEAP_OPTION = /^--(max[-_]old[-_]space[-_]size|max[-_]heap[-_]size|heap[-_]growing[-_]percent)(=|$)/;

/**
 * The V8 flag the service sets, or null where the operator chose the heap's size or growth with a
 * Node option (V8 grows a heap capped below its default by 1.3–2 times at most, and by less when
 * memory runs short; a flag here would override both), or where the heap is small.
 */
export function heapGrowthFlag(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  heapLimitBytes: number,
): string | null {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  if (given.some((option) => OPERATOR_HEAP_OPTION.test(option))) return null;
  if (heapLimitBytes < MIN_HEAP_LIMIT) return null;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/**
 * Sets the heap's growth for this process, before the service allocates its working set. V8 reads
 * this flag each time it sets the next collection's limit, so setting it once the VM runs takes
 * effect from the next full collection on. Returns the growth set, in per cent, or null where the
 * operator's Node options or V8 decide.
 */
export function applyHeapPolicy(): number | null {
  const flag = heapGrowthFlag(process.execArgv, process.env.NODE_OPTIONS, getHeapStatistics().heap_size_limit);
  if (flag === null) return null;
  setFlagsFromString(flag);
  return HEAP_GROWING_PERCENT;
}
