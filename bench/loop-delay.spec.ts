import { describe, expect, it } from 'vitest';
import { loopDelayMs, watchLoopDelay } from './loop-delay';

/** A histogram of the given samples (ns), as Node's reads them. */
function histogram(samplesNs: number[]) {
  const sorted = [...samplesNs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    max: sorted.at(-1) ?? 0,
    percentile: (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)],
  };
}

describe('the bench’s own event-loop delay', () => {
  it('takes the sampling interval off each reading', () => {
    // 10 ms samples: 98 on time, one 40 ms late, one 250 ms late.
    const samples = [...Array.from({ length: 98 }, () => 10e6), 50e6, 260e6];
    expect(loopDelayMs(histogram(samples), 10)).toEqual({ p50: 0, p99: 40, max: 250 });
  });

  it('reads nothing rather than zero when no sample was taken', () => {
    expect(loopDelayMs(histogram([]), 10)).toEqual({ p50: null, p99: null, max: null });
  });

  it('sees a stall of this process', async () => {
    const watch = watchLoopDelay(10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const until = performance.now() + 120;
    while (performance.now() < until) {
      // Hold the loop, as a burst of socket messages would.
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(watch.stop().max).toBeGreaterThanOrEqual(100);
  });
});
