import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DelayHistogram } from '../src/repositories/event-loop-delay';

/** How often the bench samples its own event loop, in ms. */
export const BENCH_LOOP_SAMPLE_MS = 10;

export interface LoopDelayMs {
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/**
 * The delay of the bench process's own event loop over a phase. Every time figure the bench takes
 * (grant → kiosk above all) ends when this process gets to the message: 10,000 kiosk sockets, the
 * sign-ins' requests and the people's decisions all run here, so a busy bench reads late whatever
 * the service does. Reported beside the figures so that the two can be told apart.
 */
export function watchLoopDelay(sampleMs = BENCH_LOOP_SAMPLE_MS): { stop: () => LoopDelayMs } {
  const histogram = monitorEventLoopDelay({ resolution: sampleMs });
  histogram.enable();
  return {
    stop: () => {
      histogram.disable();
      return loopDelayMs(histogram, sampleMs);
    },
  };
}

/**
 * Node records the time from one sample to the next, the sampling interval included: that interval
 * comes off, so an idle process reads about 0. No samples: nulls.
 */
export function loopDelayMs(histogram: Pick<DelayHistogram, 'count' | 'percentile' | 'max'>, sampleMs: number): LoopDelayMs {
  if (histogram.count === 0) return { p50: null, p99: null, max: null };
  const ms = (ns: number) => Math.max(0, ns / 1e6 - sampleMs);
  return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
}
