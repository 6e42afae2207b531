import { collectDefaultMetrics, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { replaceActiveResourceGauges, type ActiveResourceSources } from './active-resources';
import { PROM_CLIENT_UNREAD_SAMPLE_MS } from './event-loop-delay';

const NAMES = [
  't_nodejs_active_handles',
  't_nodejs_active_handles_total',
  't_nodejs_active_resources',
  't_nodejs_active_resources_total',
];

type Reading = MetricObjectWithValues<MetricValue<string>>;

function registryWithDefaults(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 't_', eventLoopMonitoringPrecision: PROM_CLIENT_UNREAD_SAMPLE_MS });
  return registry;
}

async function read(registry: Registry): Promise<Map<string, Reading>> {
  const json = (await registry.getMetricsAsJSON()) as Reading[];
  return new Map(json.filter((m) => NAMES.includes(m.name)).map((m) => [m.name, m]));
}

const byType = (m: Reading | undefined): Record<string, number> =>
  Object.fromEntries((m?.values ?? []).map((v) => [String(v.labels.type), v.value]));
const total = (m: Reading | undefined) => m?.values[0]?.value;

class Socket {}
class Server {}

/** Stand-ins for Node's lists that count how often each was enumerated, on a clock the test moves. */
function countedSources(handles: unknown[], resources: string[]) {
  const calls = { handles: 0, resources: 0 };
  const clock = { t: 0 };
  const sources: ActiveResourceSources = {
    handles: () => (calls.handles++, handles),
    resources: () => (calls.resources++, resources),
    now: () => clock.t,
  };
  return { calls, sources, clock };
}

describe('replaceActiveResourceGauges', () => {
  it('keeps prom-client’s names, help texts and types', async () => {
    const before = await read(registryWithDefaults());
    const registry = registryWithDefaults();
    replaceActiveResourceGauges(registry, 't_');
    const after = await read(registry);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect(after.size).toBe(NAMES.length);
    for (const [name, m] of before) expect([after.get(name)?.help, after.get(name)?.type]).toEqual([m.help, m.type]);
  });

  it('enumerates the handles and the resources once for both their gauges, and at most every 30 s', async () => {
    const registry = registryWithDefaults();
    const { calls, sources, clock } = countedSources([new Socket(), new Socket(), new Server()], ['TCPSocketWrap', 'Timeout']);
    replaceActiveResourceGauges(registry, 't_', sources);
    await read(registry);
    expect(calls).toEqual({ handles: 1, resources: 1 });
    // Read again every 5 s by the metrics exchange, and at scrapes: the last count until it is 30 s old.
    clock.t = 5_000;
    await read(registry);
    clock.t = 29_999;
    const cached = await read(registry);
    expect(calls).toEqual({ handles: 1, resources: 1 });
    expect(total(cached.get('t_nodejs_active_handles_total'))).toBe(3);
    expect(byType(cached.get('t_nodejs_active_handles'))).toEqual({ Socket: 2, Server: 1 });
    clock.t = 30_000;
    await read(registry);
    expect(calls).toEqual({ handles: 2, resources: 2 });
  });

  it('counts as prom-client does: handles by their owner’s class, resources by type, and all of each', async () => {
    const registry = registryWithDefaults();
    const handles: unknown[] = [new Socket(), new Socket(), new Server(), null, Object.create(null)];
    const resources = ['TCPSocketWrap', 'TCPSocketWrap', 'TCPServerWrap', 'Timeout'];
    replaceActiveResourceGauges(registry, 't_', countedSources(handles, resources).sources);
    const m = await read(registry);
    expect(byType(m.get('t_nodejs_active_handles'))).toEqual({ Socket: 2, Server: 1 });
    expect(total(m.get('t_nodejs_active_handles_total'))).toBe(5);
    expect(byType(m.get('t_nodejs_active_resources'))).toEqual({ TCPSocketWrap: 2, TCPServerWrap: 1, Timeout: 1 });
    expect(total(m.get('t_nodejs_active_resources_total'))).toBe(4);
  });

  it('drops a type that is gone at the next reading', async () => {
    const registry = registryWithDefaults();
    const handles: unknown[] = [new Socket(), new Server()];
    const { sources, clock } = countedSources(handles, []);
    replaceActiveResourceGauges(registry, 't_', sources);
    await read(registry);
    handles.pop();
    clock.t = 30_000;
    const m = await read(registry);
    expect(byType(m.get('t_nodejs_active_handles'))).toEqual({ Socket: 1 });
    expect(total(m.get('t_nodejs_active_handles_total'))).toBe(1);
  });

  it('leaves out a family this Node cannot list, like prom-client', async () => {
    const registry = new Registry();
    replaceActiveResourceGauges(registry, 't_', { handles: null, resources: () => ['Timeout'] });
    const m = await read(registry);
    expect([...m.keys()].sort()).toEqual(['t_nodejs_active_resources', 't_nodejs_active_resources_total']);
  });

  it('reads this process’s own handles and resources', async () => {
    const registry = registryWithDefaults();
    replaceActiveResourceGauges(registry, 't_');
    const timer = setInterval(() => undefined, 60_000);
    try {
      const m = await read(registry);
      expect(byType(m.get('t_nodejs_active_resources')).Timeout).toBeGreaterThanOrEqual(1);
      expect(total(m.get('t_nodejs_active_resources_total'))).toBeGreaterThanOrEqual(1);
      expect(total(m.get('t_nodejs_active_handles_total'))).toBe(
        Object.values(byType(m.get('t_nodejs_active_handles'))).reduce((a, b) => a + b, 0),
      );
    } finally {
      clearInterval(timer);
    }
  });
});
