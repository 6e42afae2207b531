import { describe, expect, it } from 'vitest';
import {
  commandStatsDelta,
  infoNumber,
  keyCount,
  latencyHistogramCount,
  mergeCommandStats,
  parseCommandStats,
  parseInfo,
  parseMemoryStats,
  redisSample,
} from './redis-info';

const INFO = [
  '# Memory',
  'used_memory:1048576',
  'used_memory_human:1.00M',
  '',
  '# Stats',
  'total_commands_processed:123456',
  'instantaneous_ops_per_sec:12',
  'db0:keys=5,expires=3,avg_ttl=100',
].join('\r\n');

describe('parseInfo', () => {
  it('reads fields, skipping section headers', () => {
    const info = parseInfo(INFO);
    expect(info.get('used_memory_human')).toBe('1.00M');
    expect(info.get('db0')).toBe('keys=5,expires=3,avg_ttl=100');
    expect(info.has('# Memory')).toBe(false);
  });

  it('gives numbers, and throws for a missing or non-numeric field', () => {
    const info = parseInfo(INFO);
    expect(infoNumber(info, 'used_memory')).toBe(1_048_576);
    expect(() => infoNumber(info, 'used_memory_human')).toThrow(/numeric/);
    expect(() => infoNumber(info, 'nope')).toThrow();
  });

  it('samples memory and the command counter', () => {
    expect(redisSample(INFO)).toEqual({ usedMemory: 1_048_576, commands: 123_456 });
  });

  it('counts the keys of every database, and none in an empty keyspace', () => {
    expect(keyCount(INFO)).toBe(5);
    expect(keyCount(`${INFO}\r\ndb3:keys=7,expires=0,avg_ttl=0`)).toBe(12);
    expect(keyCount('# Keyspace\r\n')).toBe(0);
  });
});

describe('latencyHistogramCount', () => {
  it('counts the commands INFO latencystats lists, and none without the section', () => {
    const text = [
      INFO,
      '',
      '# Latencystats',
      'latency_percentiles_usec_get:p50=5.023,p99=5.023,p99.9=5.023',
      'latency_percentiles_usec_info:p50=34.047,p99=43.007,p99.9=43.007',
      'latency_percentiles_usec_client|setname:p50=1.003,p99=1.003,p99.9=1.003',
    ].join('\r\n');
    expect(latencyHistogramCount(text)).toBe(3);
    expect(latencyHistogramCount(INFO)).toBe(0);
  });
});

describe('command stats', () => {
  const before = parseCommandStats(
    '# Commandstats\r\ncmdstat_get:calls=10,usec=20,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r\ncmdstat_info:calls=1,usec=5,usec_per_call=5.00',
  );
  const after = parseCommandStats(
    [
      '# Commandstats',
      'cmdstat_get:calls=14,usec=30,usec_per_call=2.14,rejected_calls=0,failed_calls=0',
      'cmdstat_evalsha:calls=3,usec=300,usec_per_call=100.00,rejected_calls=0,failed_calls=0',
      'cmdstat_info:calls=1,usec=5,usec_per_call=5.00',
    ].join('\r\n'),
  );

  it('parses calls and time per command', () => {
    expect(after.get('evalsha')).toEqual({ command: 'evalsha', calls: 3, usec: 300 });
  });

  it('gives what ran in between, busiest first, leaving out idle commands', () => {
    expect(commandStatsDelta(before, after)).toEqual([
      { command: 'get', calls: 4, usec: 10 },
      { command: 'evalsha', calls: 3, usec: 300 },
    ]);
  });
});

describe('mergeCommandStats', () => {
  it('adds up the primaries, busiest first', () => {
    expect(
      mergeCommandStats([
        [
          { command: 'evalsha', calls: 5, usec: 500 },
          { command: 'get', calls: 1, usec: 2 },
        ],
        [
          { command: 'get', calls: 3, usec: 6 },
          { command: 'hset', calls: 2, usec: 4 },
        ],
      ]),
    ).toEqual([
      { command: 'evalsha', calls: 5, usec: 500 },
      { command: 'get', calls: 4, usec: 8 },
      { command: 'hset', calls: 2, usec: 4 },
    ]);
    expect(mergeCommandStats([])).toEqual([]);
  });
});

describe('parseMemoryStats', () => {
  // The shape of Redis 7's reply (as ioredis hands it over): names and values in turn, a list per database.
  const reply = [
    'peak.allocated',
    3474392,
    'total.allocated',
    3469192,
    'startup.allocated',
    876016,
    'replication.backlog',
    0,
    'clients.slaves',
    0,
    'clients.normal',
    132532,
    'cluster.links',
    0,
    'aof.buffer',
    0,
    'lua.caches',
    46368,
    'functions.caches',
    200,
    'db.0',
    ['overhead.hashtable.main', 193288, 'overhead.hashtable.expires', 104864, 'overhead.hashtable.slot-to-keys', 0],
    'db.3',
    ['overhead.hashtable.main', 1000, 'overhead.hashtable.expires', 24],
    'overhead.total',
    1353268,
    'keys.count',
    4013,
    'keys.bytes-per-key',
    646,
    'dataset.bytes',
    2115924,
    'dataset.percentage',
    '81.595848083496094',
  ];

  it('reads the data, every database’s key tables, the script caches and the clients', () => {
    expect(parseMemoryStats(reply)).toEqual({
      dataset: 2_115_924,
      keyTables: 193_288 + 104_864 + 1_000 + 24,
      scripts: 46_368 + 200,
      clients: 132_532,
    });
  });

  it('takes a missing optional field as zero, and refuses a reply without the dataset', () => {
    expect(parseMemoryStats(['total.allocated', 10, 'dataset.bytes', 4])).toEqual({
      dataset: 4,
      keyTables: 0,
      scripts: 0,
      clients: 0,
    });
    expect(() => parseMemoryStats(['total.allocated', 10])).toThrow(/dataset\.bytes/);
    expect(() => parseMemoryStats('ERR unknown command')).toThrow(/not a list/);
  });
});
