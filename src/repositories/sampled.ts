/**
 * `read` at most once every `maxAgeMs`: until its value is that old, calls get the last one. For
 * the metrics whose reading walks every connection, read every 5 s for the metrics exchange and at
 * each scrape, where a count half a minute old says as much as a new one.
 */
export function sampled<T>(read: () => T, maxAgeMs: number, now: () => number = Date.now): () => T {
  let readAt = Number.NEGATIVE_INFINITY;
  let value!: T;
  return () => {
    const t = now();
    if (t - readAt >= maxAgeMs) {
      value = read();
      readAt = t;
    }
    return value;
  };
}

/** How long the counts of sockets, handles and descriptors are kept (`sampled`). */
export const SOCKET_COUNTS_MAX_AGE_MS = 30_000;
