import { Gauge, Registry } from 'prom-client';
import { sampled, SOCKET_COUNTS_MAX_AGE_MS } from './sampled';

/** What the gauges below enumerate: Node's own lists, or null where this Node lacks one. */
export interface ActiveResourceSources {
  /** The objects owning the event loop's active handles (`process._getActiveHandles`). */
  handles: (() => readonly unknown[]) | null;
  /** The types of the resources keeping the event loop alive (`process.getActiveResourcesInfo`). */
  resources: (() => readonly string[]) | null;
  /** The clock of `sampled`. */
  now?: () => number;
}

interface Family {
  /** prom-client's names and help texts, kept so that `/metrics` reads as before. */
  name: string;
  help: string;
  totalHelp: string;
  /** One enumeration: how many there are, and how many of them of each type. */
  count: () => Counts;
}

interface Counts {
  all: number;
  byType: Map<string, number>;
}

/**
 * prom-client's default gauges of the event loop's handles and resources (`<prefix>nodejs_active_
 * handles`, `…_handles_total`, `…_resources`, `…_resources_total`), same names, help and labels,
 * each pair from one enumeration per collection. prom-client enumerates once for each gauge, four
 * times each time the registry is read (every 5 s for the metrics exchange, and at every scrape),
 * and each enumeration walks every socket: with 10,000 kiosks connected a read took ≈ 22 ms of the
 * main thread, ≈ 14 ms with one enumeration of each (`perf`, bench/README.md, "December,
 * seventeenth"), still ≈ 2.3 ms of every second of an idle process; so each family is enumerated
 * at most every 30 s (`sampled`; "December, eighteenth"). Call after `collectDefaultMetrics`: its
 * gauges of these names are replaced.
 */
export function replaceActiveResourceGauges(
  registry: Registry,
  prefix: string,
  sources: ActiveResourceSources = processSources(),
): void {
  const families: Family[] = [];
  const { handles, resources, now } = sources;
  const every = <T>(read: () => T) => sampled(read, SOCKET_COUNTS_MAX_AGE_MS, now);
  if (handles) {
    families.push({
      name: `${prefix}nodejs_active_handles`,
      help: 'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.',
      totalHelp: 'Total number of active handles.',
      count: every(() => countBy(handles(), ownerType)),
    });
  }
  if (resources) {
    families.push({
      name: `${prefix}nodejs_active_resources`,
      help: 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.',
      totalHelp: 'Total number of active resources.',
      count: every(() => countBy(resources(), (type) => type)),
    });
  }
  for (const family of families) replace(registry, family);
}

// The registry collects in the order of registration: the by-type gauge, first, sets the total too
// (the total read on its own, `getSingleMetric`, holds the last collection's count; nothing does that).
function replace(registry: Registry, { name, help, totalHelp, count }: Family): void {
  registry.removeSingleMetric(name);
  registry.removeSingleMetric(`${name}_total`);
  new Gauge({
    name,
    help,
    labelNames: ['type'],
    registers: [registry],
    collect() {
      const { all, byType } = count();
      this.reset();
      for (const [type, n] of byType) this.set({ type }, n);
      total.set(all);
    },
  });
  const total = new Gauge({ name: `${name}_total`, help: totalHelp, registers: [registry] });
}

/** As prom-client counts handles by type: by their owner's constructor name, skipping those without one. */
function ownerType(owner: unknown): string | undefined {
  return (owner as { constructor?: { name?: string } } | null | undefined)?.constructor?.name;
}

function countBy<T>(items: readonly T[], typeOf: (item: T) => string | undefined): Counts {
  const byType = new Map<string, number>();
  for (const item of items) {
    const type = typeOf(item);
    if (type !== undefined) byType.set(type, (byType.get(type) ?? 0) + 1);
  }
  return { all: items.length, byType };
}

function processSources(): ActiveResourceSources {
  const node = process as NodeJS.Process & { _getActiveHandles?: () => unknown[] };
  return {
    handles: typeof node._getActiveHandles === 'function' ? () => node._getActiveHandles!() : null,
    resources: typeof process.getActiveResourcesInfo === 'function' ? () => process.getActiveResourcesInfo() : null,
  };
}
