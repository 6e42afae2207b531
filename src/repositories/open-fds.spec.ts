import fs from 'node:fs';
import { readdir } from 'node:fs/promises';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROM_CLIENT_UNREAD_SAMPLE_MS } from './event-loop-delay';
import { replaceOpenFdsGauge } from './open-fds';

const NAME = 't_process_open_fds';

function registryWithDefaults(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 't_', eventLoopMonitoringPrecision: PROM_CLIENT_UNREAD_SAMPLE_MS });
  return registry;
}

async function openFds(registry: Registry): Promise<number | undefined> {
  const json = await registry.getMetricsAsJSON();
  return json.find((m) => m.name === NAME)?.values[0]?.value;
}

afterEach(() => vi.restoreAllMocks());

describe('replaceOpenFdsGauge', () => {
  it('counts the listed descriptors, less the listing’s own, and waits for the listing', async () => {
    const registry = registryWithDefaults();
    let release!: () => void;
    const listed = new Promise<void>((resolve) => (release = resolve));
    const list = vi.fn(async (path: string) => {
      await listed;
      return path === '/proc/self/fd' ? ['0', '1', '2', '3', '4'] : [];
    });
    replaceOpenFdsGauge(registry, 't_', list, 'linux');
    const reading = openFds(registry);
    release();
    expect(await reading).toBe(4);
    expect(list).toHaveBeenCalledWith('/proc/self/fd');
    // One gauge of that name: prom-client's is gone, not registered twice.
    expect((await registry.getMetricsAsJSON()).filter((m) => m.name === NAME)).toHaveLength(1);
  });

  it('keeps its last value when the listing fails', async () => {
    const registry = registryWithDefaults();
    const list = vi.fn<(path: string) => Promise<string[]>>().mockResolvedValueOnce(['0', '1', '2']);
    list.mockRejectedValueOnce(new Error('EACCES'));
    let now = 0;
    replaceOpenFdsGauge(registry, 't_', list, 'linux', () => now);
    expect(await openFds(registry)).toBe(2);
    now = 30_000;
    expect(await openFds(registry)).toBe(2);
    expect(list).toHaveBeenCalledTimes(2);
  });

  it('lists at most every 30 s, however often the registry is read', async () => {
    const registry = registryWithDefaults();
    const list = vi.fn<(path: string) => Promise<string[]>>().mockResolvedValueOnce(['0', '1', '2']);
    list.mockResolvedValueOnce(['0', '1', '2', '3', '4']);
    let now = 0;
    replaceOpenFdsGauge(registry, 't_', list, 'linux', () => now);
    // The metrics exchange reads the registry every 5 s; scrapes come in between.
    for (const t of [0, 5_000, 12_000, 29_999]) {
      now = t;
      expect(await openFds(registry)).toBe(2);
    }
    expect(list).toHaveBeenCalledTimes(1);
    now = 30_000;
    expect(await openFds(registry)).toBe(4);
    expect(list).toHaveBeenCalledTimes(2);
  });

  it('is left out where there is no /proc, like prom-client’s', () => {
    const registry = new Registry();
    const list = vi.fn<(path: string) => Promise<string[]>>();
    replaceOpenFdsGauge(registry, 't_', list, 'darwin');
    expect(registry.getSingleMetric(NAME)).toBeUndefined();
    expect(list).not.toHaveBeenCalled();
  });

  it.runIf(process.platform === 'linux')('reads this process’s descriptors without a synchronous listing', async () => {
    const registry = registryWithDefaults();
    replaceOpenFdsGauge(registry, 't_');
    const sync = vi.spyOn(fs, 'readdirSync');
    const value = await openFds(registry);
    expect(sync).not.toHaveBeenCalledWith('/proc/self/fd');
    const now = (await readdir('/proc/self/fd')).length - 1;
    // Descriptors come and go in a test process; the count is this process's, give or take a few.
    expect(value).toBeGreaterThan(2);
    expect(Math.abs((value ?? 0) - now)).toBeLessThan(20);
  });
});
