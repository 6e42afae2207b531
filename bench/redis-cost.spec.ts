import { describe, expect, it } from 'vitest';
import { redisPhaseCost, sumOrNull, type PrimaryReading } from './redis-cost';
import { histogramsLeftOut, memoryPartsCell, primariesCell } from './report';

function reading(name: string, o: Partial<PrimaryReading> = {}): PrimaryReading {
  return {
    name,
    port: 7000,
    pid: 100,
    cpuS: 1,
    peakRssBytes: 10 << 20,
    latencyHistogramBytes: 0,
    commands: 1_000,
    commandStats: [],
    atStart: { usedMemory: 1_000_000, keys: 0, latencyHistograms: 0, memory: null },
    atMemorySample: { usedMemory: 1_500_000, keys: 300, latencyHistograms: 0, memory: null },
    atEnd: { usedMemory: 1_200_000, keys: 100, latencyHistograms: 0, memory: null },
    ...o,
  };
}

describe('sumOrNull', () => {
  it('adds, or gives null when a value is missing', () => {
    expect(sumOrNull([1, 2, 3])).toBe(6);
    expect(sumOrNull([])).toBe(0);
    expect(sumOrNull([1, null])).toBeNull();
  });
});

describe('redisPhaseCost', () => {
  it('for one redis-server, is that server’s figures', () => {
    const cost = redisPhaseCost(
      [reading('redis', { commandStats: [{ command: 'evalsha', calls: 400, usec: 8_000 }] })],
      [
        { command: 'evalsha', calls: 400, usec: 8_000 },
        { command: 'info', calls: 3, usec: 30 },
      ],
      200,
      100,
    );
    expect(cost).toMatchObject({
      cpuS: 1,
      peakRssBytes: 10 << 20,
      commandsPerPoll: 5,
      commandsPerPollByCommand: [{ command: 'evalsha', perPoll: 2, usecPerPoll: 40 }],
      bytesPerPendingSession: 5_000,
    });
    expect(cost.primaries[0]).toMatchObject({ cpuMsPerPoll: 5, commandsShare: 1, keysAtMemorySample: 300, keysAtEnd: 100 });
  });

  it('adds the primaries up, and gives each one’s part of the whole', () => {
    const cost = redisPhaseCost(
      [
        reading('redis-1', { cpuS: 0.2, commands: 500 }),
        reading('redis-2', { cpuS: 0.1, commands: 300 }),
        reading('redis-3', { cpuS: 0.3, commands: 200 }),
      ],
      [],
      1_000,
      300,
    );
    expect(cost.cpuS).toBeCloseTo(0.6);
    expect(cost.commandsPerPoll).toBe(1);
    // 3 × 500,000 bytes more, for 300 pending sign-ins.
    expect(cost.bytesPerPendingSession).toBe(5_000);
    const [a, b, c] = cost.primaries.map((p) => p.cpuMsPerPoll);
    expect([a, b, c]).toEqual([expect.closeTo(0.2, 10), expect.closeTo(0.1, 10), expect.closeTo(0.3, 10)]);
    expect(cost.primaries.map((p) => p.commandsShare)).toEqual([0.5, 0.3, 0.2]);
    expect(primariesCell(cost.primaries)).toBe('0.20 / 0.10 / 0.30 ms, commands 50% / 30% / 20%, keys 33% / 33% / 33%');
  });

  it('tells where the bytes of a pending sign-in went, the rest of used_memory’s growth as other', () => {
    const parts = (dataset: number, keyTables: number, scripts: number, clients: number) => ({
      dataset,
      keyTables,
      scripts,
      clients,
    });
    const cost = redisPhaseCost(
      [
        reading('redis-1', {
          atStart: { usedMemory: 1_000_000, keys: 10, latencyHistograms: 0, memory: parts(200_000, 1_000, 20_000, 50_000) },
          atMemorySample: {
            usedMemory: 1_500_000,
            keys: 410,
            latencyHistograms: 0,
            memory: parts(560_000, 97_000, 45_000, 40_000),
          },
        }),
        reading('redis-2', {
          atStart: { usedMemory: 1_000_000, keys: 0, latencyHistograms: 0, memory: parts(200_000, 0, 20_000, 50_000) },
          atMemorySample: { usedMemory: 1_100_000, keys: 0, latencyHistograms: 0, memory: parts(200_000, 0, 20_000, 50_000) },
        }),
      ],
      [{ command: 'memory|stats', calls: 6, usec: 60 }],
      1_000,
      100,
    );
    // 600,000 bytes for 100 pending sign-ins: 3,600 of dataset, 960 of key tables, 250 of
    // scripts, −100 of client buffers, and 1,290 the stats do not place (redis-2's 100,000 among them).
    expect(cost.bytesPerPendingSession).toBe(6_000);
    expect(cost.bytesPerPendingSessionByPart).toEqual({
      dataset: 3_600,
      keyTables: 960,
      scripts: 250,
      clients: -100,
      other: 1_290,
    });
    expect(cost.keysPerPendingSession).toBe(4);
    // The bench's own MEMORY STATS is not a command of the service's.
    expect(cost.commandsPerPollByCommand).toEqual([]);
    expect(memoryPartsCell(cost.bytesPerPendingSessionByPart, cost.keysPerPendingSession)).toBe(
      'dataset 3,600 B, key tables 960 B, scripts 250 B, client buffers -100 B, other 1,290 B; 4.0 keys',
    );
  });

  it('leaves the latency histograms Redis made for commands first run in the phase out of a sign-in’s bytes', () => {
    const parts = (dataset: number) => ({ dataset, keyTables: 40_000, scripts: 20_000, clients: 10_000 });
    const cost = redisPhaseCost(
      [
        reading('redis-1', {
          latencyHistogramBytes: 25_000,
          atStart: { usedMemory: 1_000_000, keys: 10, latencyHistograms: 12, memory: parts(100_000) },
          // 1,000 sign-ins' keys (500,000 B) and four command names run for the first time (100,000 B).
          atMemorySample: { usedMemory: 1_600_000, keys: 3_010, latencyHistograms: 16, memory: parts(700_000) },
        }),
      ],
      [],
      1_000,
      1_000,
    );
    expect(cost.bytesPerPendingSession).toBe(500);
    expect(cost.latencyHistogramBytesPerPendingSession).toBe(100);
    expect(cost.bytesPerPendingSessionByPart).toEqual({ dataset: 500, keyTables: 0, scripts: 0, clients: 0, other: 0 });
    expect(cost.primaries[0].latencyHistogramBytes).toBe(25_000);
    // The report says what it left out, and nothing where nothing was (or in older results).
    expect(histogramsLeftOut(cost.latencyHistogramBytesPerPendingSession)).toBe(
      "; Redis's latency histograms of commands first run in the phase left out, 100 B more",
    );
    expect(histogramsLeftOut(0)).toBe('');
    expect(histogramsLeftOut(undefined)).toBe('');
    // No histogram measured (tracking off): nothing is left out.
    const untracked = redisPhaseCost(
      [
        reading('redis-1', {
          atStart: { usedMemory: 1_000_000, keys: 10, latencyHistograms: 0, memory: null },
          atMemorySample: { usedMemory: 1_600_000, keys: 3_010, latencyHistograms: 0, memory: null },
        }),
      ],
      [],
      1_000,
      1_000,
    );
    expect(untracked.bytesPerPendingSession).toBe(600);
    expect(untracked.latencyHistogramBytesPerPendingSession).toBe(0);
  });

  it('gives no breakdown when a primary’s MEMORY STATS is missing', () => {
    const withStats = {
      usedMemory: 1_000_000,
      keys: 0,
      latencyHistograms: 0,
      memory: { dataset: 1, keyTables: 1, scripts: 1, clients: 1 },
    };
    const cost = redisPhaseCost(
      [reading('redis-1', { atStart: withStats, atMemorySample: { ...withStats, usedMemory: 1_200_000 } }), reading('redis-2')],
      [],
      100,
      100,
    );
    expect(cost.bytesPerPendingSession).toBe(7_000);
    expect(cost.bytesPerPendingSessionByPart).toBeNull();
    expect(memoryPartsCell(cost.bytesPerPendingSessionByPart, cost.keysPerPendingSession)).toBe('—');
    expect(memoryPartsCell({ dataset: 1_355.6, keyTables: 297.8, scripts: 25.4, clients: 26.6, other: -9.6e-14 }, null)).toBe(
      'dataset 1,356 B, key tables 298 B, scripts 25 B, client buffers 27 B, other 0 B',
    );
  });

  it('leaves out what it could not read rather than counting it as zero', () => {
    const cost = redisPhaseCost([reading('redis-1'), reading('redis-2', { cpuS: null, atMemorySample: null })], [], 0, 0);
    expect(cost.cpuS).toBeNull();
    expect(cost.bytesPerPendingSession).toBeNull();
    expect(cost.latencyHistogramBytesPerPendingSession).toBeNull();
    expect(cost.bytesPerPendingSessionByPart).toBeNull();
    expect(cost.keysPerPendingSession).toBeNull();
    expect(cost.commandsPerPoll).toBeNull();
    expect(cost.primaries[1]).toMatchObject({ cpuMsPerPoll: null, keysAtMemorySample: null });
    expect(primariesCell(cost.primaries)).toBe('— / — ms, commands 50% / 50%, keys 50% / 50%');
  });
});
