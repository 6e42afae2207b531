import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what its last full collection kept before it runs
 * the next one, in per cent: 100 lets it double.
 *
 * Left to itself on a machine with memory to spare (no `--max-old-space-size`), V8 allows up to four
 * times the live heap, and a service under sign-in traffic promotes enough short-lived garbage
 * (a poll's pipeline, a provider request, a request's logger) to use all of it: at 10,000 kiosks,
 * ≈165 MB live made a peak RSS of 600–650 MiB. Twice the live heap halves what is held as garbage
 * for the price of a full collection about twice as often — most of its marking runs beside the
 * event loop, and the full-size benchmark's CPU did not move (bench/README.md, "December,
 * sixteenth").
 */
export const HEAP_GROWING_PERCENT = 100;

/** Node options by which an operator already chose how this process's heap grows or how big it gets. */
const OPERATOR_HEAP_OPTION = /^--(max[-_]old[-_]space[-_]size|heap[-_]growing[-_]percent)(=|$)/;

/**
 * The V8 flag the service sets, or null where the operator chose the heap's size or growth with a
 * Node option (a heap capped by `--max-old-space-size` already grows by at most 1.3–2 times, and
 * V8 lowers that further when memory runs short; a flag here would override both).
 */
export function heapGrowthFlag(execArgv: readonly string[], nodeOptions: string | undefined): string | null {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  if (given.some((option) => OPERATOR_HEAP_OPTION.test(option))) return null;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/**
 * Sets the heap's growth for this process, before the service allocates its working set. V8 reads
 * this flag each time it sets the next collection's limit, so setting it once the VM runs takes
 * effect from the next full collection on. Returns the growth set, in per cent, or null where the
 * operator's Node options decide.
 */
export function applyHeapPolicy(): number | null {
  const flag = heapGrowthFlag(process.execArgv, process.env.NODE_OPTIONS);
  if (flag === null) return null;
  setFlagsFromString(flag);
  return HEAP_GROWING_PERCENT;
}
