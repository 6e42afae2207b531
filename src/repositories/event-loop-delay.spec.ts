import { AggregatorRegistry, collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DelayHistogram, PROM_CLIENT_UNREAD_SAMPLE_MS, replaceEventLoopDelayGauges } from './event-loop-delay';

const STATS = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'];

async function readings(registry: Registry): Promise<Record<string, number | undefined>> {
  const json = await registry.getMetricsAsJSON();
  return Object.fromEntries(
    STATS.map((s) => [s, json.find((m) => m.name === `t_nodejs_eventloop_lag_${s}_seconds`)?.values[0]?.value]),
  );
}

/** A histogram with fixed readings (ns) that counts its resets. */
function fixedHistogram(count: number): DelayHistogram & { count: number; resets: number } {
  const ms = 1e6;
  return {
    count,
    min: 100 * ms,
    max: 400 * ms,
    mean: 130 * ms,
    stddev: 20 * ms,
    percentile: (p: number) => (p === 50 ? 101 * ms : p === 90 ? 150 * ms : 300 * ms),
    resets: 0,
    reset() {
      this.resets++;
    },
  };
}

function registryWithDefaults(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 't_', eventLoopMonitoringPrecision: PROM_CLIENT_UNREAD_SAMPLE_MS });
  return registry;
}

describe('replaceEventLoopDelayGauges', () => {
  it('reports the delay without the sampling interval, and starts a new period at each collection', async () => {
    const registry = registryWithDefaults();
    const histogram = fixedHistogram(20);
    replaceEventLoopDelayGauges(registry, 't_', 100, histogram);
    expect(await readings(registry)).toEqual({
      min: 0,
      max: 0.3,
      mean: 0.03,
      stddev: 0.02,
      p50: 0.001,
      p90: 0.05,
      p99: 0.2,
    });
    expect(histogram.resets).toBe(1);
  });

  it('replaces prom-client’s gauges of the same names, once each', async () => {
    const registry = registryWithDefaults();
    replaceEventLoopDelayGauges(registry, 't_', 100, fixedHistogram(1));
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => /eventloop_lag_\w+_seconds$/.test(n));
    expect(names.sort()).toEqual(STATS.map((s) => `t_nodejs_eventloop_lag_${s}_seconds`).sort());
    const text = await registry.metrics();
    expect(text).toContain(
      '# HELP t_nodejs_eventloop_lag_p99_seconds The 99th percentile of the event loop delay in seconds, sampled every 100 ms.',
    );
    // prom-client's setImmediate probe stays as it was.
    expect(text).toContain('t_nodejs_eventloop_lag_seconds');
  });

  it('combines processes as prom-client does: the least minimum, the greatest maximum, the average of the rest', async () => {
    const processes = await Promise.all(
      [100, 300].map(async (base) => {
        const registry = registryWithDefaults();
        const ms = 1e6;
        const histogram = { ...fixedHistogram(20), min: base * ms, max: (base + 400) * ms, mean: (base + 30) * ms };
        replaceEventLoopDelayGauges(registry, 't_', 100, histogram);
        return registry.getMetricsAsJSON();
      }),
    );
    const all = await AggregatorRegistry.aggregate(processes).getMetricsAsJSON();
    const value = (s: string) => all.find((m) => m.name === `t_nodejs_eventloop_lag_${s}_seconds`)?.values[0]?.value;
    expect(value('min')).toBe(0);
    expect(value('max')).toBeCloseTo(0.6);
    expect(value('mean')).toBeCloseTo(0.13);
  });

  it('leaves the gauges as they were when no sample was taken since the last collection', async () => {
    const registry = registryWithDefaults();
    const histogram = fixedHistogram(20);
    replaceEventLoopDelayGauges(registry, 't_', 100, histogram);
    const first = await readings(registry);
    histogram.count = 0;
    expect(await readings(registry)).toEqual(first);
    expect(histogram.resets).toBe(1);
  });

  it('sees a blocked event loop through Node’s own monitor', async () => {
    const registry = registryWithDefaults();
    replaceEventLoopDelayGauges(registry, 't_', 20);
    await registry.getMetricsAsJSON(); // a period that starts now
    // Node measures from one sample to the next, and the first sample after a reset only starts that.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const until = Date.now() + 250;
    while (Date.now() < until) {
      // The event loop is blocked: the monitor's next sample comes only after this.
    }
    // The stall is recorded by the first sample after it; a few periods of the monitor later, it is in.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const r = await readings(registry);
    expect(r.max).toBeGreaterThanOrEqual(0.2);
    expect(r.min).toBeLessThan(r.max as number);
  });
});
