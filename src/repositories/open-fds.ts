import { readdir } from 'node:fs/promises';
import { Gauge, Registry } from 'prom-client';
import { sampled, SOCKET_COUNTS_MAX_AGE_MS } from './sampled';

/** Lists a directory; `/proc/self/fd` in the service. */
export type ListDirectory = (path: string) => Promise<string[]>;

/**
 * prom-client's `process_open_fds` lists `/proc/self/fd` synchronously each time the registry is
 * read: every 5 s for the metrics exchange and at every scrape. An API process holding 10,000
 * kiosks has 10,000 entries there, and that listing blocked its event loop for 14–16 ms each time
 * (bench/README.md, "December, sixth"); pushes and polls due then waited. Same name, meaning and
 * platforms here, listed through libuv's thread pool: the collection waits for it without
 * blocking the loop (≈ 1.4 ms of the main thread for the same listing). The listing still cost
 * the thread pool ≈ 10 ms every 5 s, 2 ms of every second of an idle process; it is made at most
 * every 30 s (`sampled`; bench/README.md, "December, eighteenth"). Call after
 * `collectDefaultMetrics`: its gauge of this name is replaced.
 */
export function replaceOpenFdsGauge(
  registry: Registry,
  prefix: string,
  list: ListDirectory = (path) => readdir(path),
  platform: NodeJS.Platform = process.platform,
  now: () => number = Date.now,
): void {
  if (platform !== 'linux') return;
  const name = `${prefix}process_open_fds`;
  // Less the descriptor the listing itself had open. The count is kept, not the 10,000 names.
  const count = sampled(async () => (await list('/proc/self/fd')).length - 1, SOCKET_COUNTS_MAX_AGE_MS, now);
  registry.removeSingleMetric(name);
  new Gauge({
    name,
    help: 'Number of open file descriptors.',
    registers: [registry],
    async collect() {
      try {
        this.set(await count());
      } catch {
        // Not readable here: the gauge keeps its last value, as prom-client's does.
      }
    },
  });
}
