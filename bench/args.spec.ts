import { describe, expect, it } from 'vitest';
import { ArgsError, parseArgs, STANDBY_DEFAULT_S, warmupWorkload, workloadDefaults } from './args';

describe('parseArgs', () => {
  it('runs both standard workloads by default', () => {
    const { workloads, help } = parseArgs([]);
    expect(help).toBe(false);
    expect(workloads.map((w) => w.name)).toEqual(['fleet', 'surge']);
    const [fleet, surge] = workloads;
    expect(fleet).toMatchObject({ kiosks: 10_000, signing: 1_000, intervalS: 2, arrivals: 'steady', workers: 0, floor: true });
    expect(surge).toMatchObject({ kiosks: 10_000, signing: 10_000, intervalS: 30, arrivals: 'burst' });
  });

  it('reads both --flag value and --flag=value', () => {
    const [w] = parseArgs([
      '--workload',
      'fleet',
      '--kiosks=200',
      '--signing',
      '50',
      '--interval=3',
      '--duration',
      '20',
      '--workers',
      '2',
    ]).workloads;
    expect(w).toMatchObject({ name: 'fleet', kiosks: 200, signing: 50, intervalS: 3, durationS: 20, workers: 2 });
  });

  it('scales the surge decisions with its duration unless --think is given', () => {
    expect(parseArgs(['--workload', 'surge', '--duration', '60']).workloads[0]).toMatchObject({ thinkMinS: 30, thinkMaxS: 60 });
    expect(parseArgs(['--workload', 'surge', '--think', '10-20']).workloads[0]).toMatchObject({ thinkMinS: 10, thinkMaxS: 20 });
  });

  it('a smaller surge gets as many kiosks as sign-ins', () => {
    expect(parseArgs(['--workload', 'surge', '--signing', '500']).workloads[0]).toMatchObject({ kiosks: 500, signing: 500 });
  });

  it('caps fleet signing at the kiosk count when only --kiosks is given', () => {
    expect(parseArgs(['--workload', 'fleet', '--kiosks', '300']).workloads[0]).toMatchObject({ kiosks: 300, signing: 300 });
  });

  it('takes switches', () => {
    const [w] = parseArgs(['--workload=fleet', '--no-floor', '--cpu-prof', '--seed', '7']).workloads;
    expect(w).toMatchObject({ floor: false, cpuProf: true, seed: 7, serviceMemoryLimitMiB: null });
    expect(parseArgs(['--help']).help).toBe(true);
    expect(parseArgs(['--service-memory-limit', '768']).workloads.map((x) => x.serviceMemoryLimitMiB)).toEqual([768, 768]);
  });

  it('refuses bad input with a clear message', () => {
    expect(() => parseArgs(['--workload', 'storm'])).toThrow(/fleet, surge or all/);
    expect(() => parseArgs(['--service-memory-limit', '64'])).toThrow(/--service-memory-limit must be at least 128/);
    expect(() => parseArgs(['--kiosks', '-5'])).toThrow(ArgsError);
    expect(() => parseArgs(['--kiosks', '1.5'])).toThrow(/whole number/);
    expect(() => parseArgs(['--kiosks'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--interval', '0'])).toThrow(/at least 1/);
    expect(() => parseArgs(['--frobnicate'])).toThrow(/unknown option/);
    expect(() => parseArgs(['--no-floor=yes'])).toThrow(/takes no value/);
    expect(() => parseArgs(['--think', '40-5'])).toThrow(/MIN must not exceed MAX/);
    expect(() => parseArgs(['--deny-share', '0.7', '--expire-share', '0.5'])).toThrow(/must not exceed 1/);
    expect(() => parseArgs(['--workload', 'fleet', '--kiosks', '10', '--signing', '20'])).toThrow(/cannot exceed/);
  });

  it('uses one redis-server with one shard unless told otherwise', () => {
    expect(parseArgs([]).workloads[0]).toMatchObject({ redis: 'single', shards: 1 });
  });

  it('reads --redis cluster and --shards', () => {
    const [w] = parseArgs(['--workload', 'fleet', '--redis', 'cluster', '--shards=6']).workloads;
    expect(w).toMatchObject({ redis: 'cluster', shards: 6 });
    expect(parseArgs(['--redis=cluster']).workloads[0]).toMatchObject({ redis: 'cluster', shards: 1 });
    expect(parseArgs(['--redis', 'cluster', '--shards', '256']).workloads[0].shards).toBe(256);
  });

  it('refuses a Redis mode or shard count it cannot run', () => {
    expect(() => parseArgs(['--redis', 'sentinel'])).toThrow(/single or cluster/);
    expect(() => parseArgs(['--redis'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--redis', 'cluster', '--shards', '0'])).toThrow(/at least 1/);
    expect(() => parseArgs(['--redis', 'cluster', '--shards', '257'])).toThrow(/at most 256/);
    expect(() => parseArgs(['--redis', 'cluster', '--shards', 'six'])).toThrow(/whole number/);
    expect(() => parseArgs(['--shards', '4'])).toThrow(/needs --redis cluster/);
  });

  it('allows --workers 0 (one ROLE=all process)', () => {
    expect(parseArgs(['--workers', '0']).workloads[0].workers).toBe(0);
  });
});

describe('workloadDefaults', () => {
  it('is the issue’s fleet and surge', () => {
    expect(workloadDefaults('fleet')).toMatchObject({ thinkMinS: 5, thinkMaxS: 40, denyShare: 0.1, expireShare: 0.1 });
    expect(workloadDefaults('surge')).toMatchObject({ thinkMinS: 90, thinkMaxS: 180, durationS: 180 });
  });
});

describe('--standby', () => {
  it('measures one heartbeat interval by default, as long as asked, or not at all', () => {
    expect(parseArgs(['--workload', 'fleet']).workloads[0].standbyS).toBe(STANDBY_DEFAULT_S);
    expect(parseArgs(['--standby', '60']).workloads.map((w) => w.standbyS)).toEqual([60, 60]);
    expect(parseArgs(['--standby=0']).workloads[0].standbyS).toBe(0);
    expect(() => parseArgs(['--standby', '-1'])).toThrow(ArgsError);
    expect(() => parseArgs(['--standby'])).toThrow(/needs a value/);
  });
});

describe('--ping-interval', () => {
  it("keeps the service's heartbeat unless asked, and stands by for one heartbeat of the interval asked for", () => {
    expect(parseArgs(['--workload', 'surge']).workloads[0].pingIntervalS).toBeNull();
    const [fleet, surge] = parseArgs(['--ping-interval', '50']).workloads;
    expect([fleet.pingIntervalS, surge.pingIntervalS]).toEqual([50, 50]);
    expect([fleet.standbyS, surge.standbyS]).toEqual([50, 50]);
    expect(parseArgs(['--ping-interval=50', '--standby=30']).workloads[0].standbyS).toBe(30);
    expect(() => parseArgs(['--ping-interval', '0'])).toThrow(ArgsError);
    expect(() => parseArgs(['--ping-interval', '601'])).toThrow(/at most 600/);
  });
});

describe('warmupWorkload', () => {
  it('is none unless --warmup asks for one', () => {
    expect(parseArgs(['--workload', 'fleet']).workloads[0].warmupS).toBe(0);
    expect(warmupWorkload(workloadDefaults('fleet'))).toBeNull();
    expect(parseArgs(['--warmup=40']).workloads.map((w) => w.warmupS)).toEqual([40, 40]);
    expect(() => parseArgs(['--warmup', 'soon'])).toThrow(/whole number/);
  });

  it('plays the fleet’s own people for S seconds, with another seed', () => {
    const w = workloadDefaults('fleet', { kiosks: 1_000, signing: 300, durationS: 40, warmupS: 40 });
    expect(warmupWorkload(w)).toEqual({ ...w, durationS: 40, seed: 2 });
  });

  it('keeps a surge’s warm-up steady, shorter and at most a thousand at once', () => {
    const w = workloadDefaults('surge', { warmupS: 30 });
    expect(warmupWorkload(w)).toMatchObject({
      arrivals: 'steady',
      durationS: 30,
      signing: 1_000,
      thinkMinS: 30,
      thinkMaxS: 30,
      intervalS: 30,
      denyShare: 0.1,
      expireShare: 0.1,
    });
  });

  it('lets no one think longer than the warm-up lasts', () => {
    const w = workloadDefaults('fleet', { warmupS: 10 });
    expect(warmupWorkload(w)).toMatchObject({ thinkMinS: 5, thinkMaxS: 10, signing: 1_000 });
  });
});
