import { describe, expect, it } from 'vitest';
import { busyTimeline, CpuProfile, groupOf, summarizeProfile } from './profile-summary';

describe('groupOf', () => {
  it('names the package, node internals, our code or the VM bucket', () => {
    expect(groupOf({ functionName: 'x', url: 'file:///w/node_modules/bullmq/dist/cjs/classes/worker.js' })).toBe('bullmq');
    expect(groupOf({ functionName: 'x', url: 'file:///w/node_modules/@nestjs/core/router.js' })).toBe('@nestjs/core');
    expect(groupOf({ functionName: 'x', url: 'file:///w/node_modules/a/node_modules/b/i.js' })).toBe('b');
    expect(groupOf({ functionName: 'x', url: 'node:internal/streams/readable' })).toBe('node:internal/streams');
    expect(groupOf({ functionName: 'x', url: 'node:net' })).toBe('node:net');
    expect(groupOf({ functionName: 'x', url: 'file:///w/dist/src/services/poll.service.js' })).toBe(
      'ours: services/poll.service',
    );
    expect(groupOf({ functionName: '(garbage collector)', url: '' })).toBe('(garbage collector)');
    expect(groupOf({ functionName: 'JSONParse', url: '' })).toBe('(native)');
  });
});

describe('summarizeProfile', () => {
  // root → a (bullmq, 2 hits) → b (ioredis, 6 hits); root → idle (2 hits). 10 hits over 10 ms.
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 10_000,
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, hitCount: 0, children: [2, 4] },
      {
        id: 2,
        callFrame: { functionName: 'run', url: 'file:///w/node_modules/bullmq/w.js', lineNumber: 9 },
        hitCount: 2,
        children: [3],
      },
      { id: 3, callFrame: { functionName: 'send', url: 'file:///w/node_modules/ioredis/r.js', lineNumber: 0 }, hitCount: 6 },
      { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 }, hitCount: 2 },
    ],
  };

  it('splits self and inclusive time by group', () => {
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBe(10);
    expect(s.busyMs).toBe(8);
    expect(s.selfByGroup).toEqual([
      { group: 'ioredis', ms: 6 },
      { group: 'bullmq', ms: 2 },
    ]);
    expect(s.inclusiveByGroup).toEqual([
      { group: 'bullmq', ms: 8 },
      { group: 'ioredis', ms: 6 },
    ]);
    expect(s.topFunctions[0]).toEqual({ fn: 'send ioredis/r.js:1', group: 'ioredis', ms: 6 });
  });
});

describe('busyTimeline', () => {
  it('gives the busy and GC share of each window', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 4_000,
      nodes: [
        { id: 1, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
        { id: 2, callFrame: { functionName: 'work', url: 'file:///w/a.js', lineNumber: 0 } },
        { id: 3, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
      ],
      // Samples 1 ms apart: work, gc, idle, idle | work, work, work, idle (the last spans nothing).
      samples: [2, 3, 1, 1, 2, 2, 2, 1],
      timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
    };
    expect(busyTimeline(profile, 4)).toEqual([
      { fromS: 0, busyPct: 50, gcPct: 25 },
      { fromS: 0.004, busyPct: 100, gcPct: 0 },
    ]);
  });
});
