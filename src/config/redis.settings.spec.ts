import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.loader';
import { configProblems } from '../testing/config';

const KEY = 'Xz1pAOrZq48bCSOtnBbbRDRRQ6lTLI1Splh6H1D2m8A=';
const PRODUCTION = {
  NODE_ENV: 'production',
  WEBEX_CLIENT_ID: 'id',
  WEBEX_CLIENT_SECRET: 'a-real-looking-client-secret',
  TOKEN_ENCRYPTION_KEY: KEY,
  DASHBOARD_USER: 'ops',
  DASHBOARD_PASSWORD: 'vT4-qL9x_Rm2pK7w',
};
const CLUSTER = { REDIS_CLUSTER_NODES: 'redis-0.redis:7000,10.0.0.2,[fd00::4]:7002', REDIS_SHARDS: '12' };
const SENTINELS = { REDIS_SENTINELS: '10.0.0.1:26379, sentinel-2.redis:26380,[fd00::3]', REDIS_SENTINEL_NAME: 'kiosk' };

const problems = configProblems;

describe('Redis configuration', () => {
  it('reads sentinels (port 26379 when omitted, IPv6 in brackets) and the master name', () => {
    const config = loadConfig(SENTINELS);
    expect(config.redis).toMatchObject({
      url: null,
      sentinel: {
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: 'sentinel-2.redis', port: 26380 },
          { host: 'fd00::3', port: 26379 },
        ],
        name: 'kiosk',
        username: null,
        password: null,
        sentinelTls: false,
        tls: false,
        waitReplicas: 1,
        waitTimeoutMs: 250,
      },
    });
  });

  it('reads a Redis Cluster (port 6379 when omitted), its shards, and the shards a worker serves', () => {
    expect(loadConfig(CLUSTER).redis).toMatchObject({
      url: null,
      sentinel: null,
      cluster: {
        nodes: [
          { host: 'redis-0.redis', port: 7000 },
          { host: '10.0.0.2', port: 6379 },
          { host: 'fd00::4', port: 7002 },
        ],
        tls: false,
      },
      shards: 12,
      workerShards: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    });
    expect(loadConfig({ ...CLUSTER, WORKER_SHARDS: '7, 0-2,2' }).redis.workerShards).toEqual([0, 1, 2, 7]);
    expect(loadConfig({ ...CLUSTER, REDIS_TLS: 'true' }).redis.cluster?.tls).toBe(true);
    expect(problems({ ...PRODUCTION, ...CLUSTER })).toEqual([]);
  });

  it('keeps one shard, every shard served, by default', () => {
    expect(loadConfig({}).redis).toMatchObject({ cluster: null, shards: 1, workerShards: [0] });
  });

  it('accepts Sentinel instead of REDIS_URL in production', () => {
    expect(problems({ ...PRODUCTION, ...SENTINELS })).toEqual([]);
    expect(problems(PRODUCTION)).toEqual([
      expect.stringMatching(/^REDIS_URL: required when NODE_ENV=production \(or REDIS_SENTINELS/),
    ]);
  });

  it.each([
    [{ REDIS_URL: 'redis://r:6379', ...SENTINELS }, /^REDIS_URL, REDIS_SENTINELS: set one of them, not several$/],
    [{ REDIS_URL: 'redis://r:6379', ...CLUSTER }, /^REDIS_URL, REDIS_CLUSTER_NODES: set one of them, not several$/],
    [{ ...CLUSTER, REDIS_CLUSTER_NODES: 'a:1,b:x' }, /^REDIS_CLUSTER_NODES: "b:x" is not host:port$/],
    [{ ...CLUSTER, REDIS_SHARDS: '0' }, /^REDIS_SHARDS:/],
    [{ ...CLUSTER, REDIS_SHARDS: '257' }, /^REDIS_SHARDS:/],
    [{ ...CLUSTER, WORKER_SHARDS: '0-3,x' }, /^WORKER_SHARDS: "x" is not a shard number or a range like 0-3$/],
    [{ ...CLUSTER, WORKER_SHARDS: '3-1' }, /^WORKER_SHARDS: "3-1" is not a shard number/],
    [{ ...CLUSTER, WORKER_SHARDS: '10-12' }, /^WORKER_SHARDS: 12 out of range \(REDIS_SHARDS=12: shards 0-11\)$/],
    [{ ...CLUSTER, ROLE: 'api', WORKER_SHARDS: '1', TOKEN_ENCRYPTION_KEY: KEY }, /^WORKER_SHARDS: only for ROLE=worker or all$/],
    [{ REDIS_SENTINELS: 'a:1' }, /^REDIS_SENTINEL_NAME: required with REDIS_SENTINELS/],
    [{ REDIS_SENTINEL_NAME: 'kiosk' }, /^REDIS_SENTINELS: required with REDIS_SENTINEL_NAME$/],
    [{ ...SENTINELS, REDIS_SENTINELS: 'a:1,b:x' }, /^REDIS_SENTINELS: "b:x" is not host:port$/],
    [{ ...SENTINELS, REDIS_SENTINELS: 'a:70000' }, /^REDIS_SENTINELS: "a:70000" is not host:port$/],
    [{ ...SENTINELS, REDIS_SENTINELS: ' , ' }, /^REDIS_SENTINELS: expected host:port,host:port/],
    [{ ...SENTINELS, REDIS_SENTINEL_NAME: 'my master' }, /^REDIS_SENTINEL_NAME:/],
    [{ REDIS_SENTINEL_PASSWORD: 'x' }, /^REDIS_SENTINEL_PASSWORD: only with REDIS_SENTINELS$/],
    [{ REDIS_WAIT_REPLICAS: '1' }, /^REDIS_WAIT_REPLICAS: only with REDIS_SENTINELS$/],
    [{ REDIS_TLS: 'true' }, /^REDIS_TLS: only with REDIS_SENTINELS or REDIS_CLUSTER_NODES \(with REDIS_URL, use rediss:\/\/\)$/],
    [{ REDIS_URL: 'redis://:pw@r:6379', REDIS_PASSWORD: 'other' }, /^REDIS_PASSWORD: REDIS_URL carries a password too/],
    [{ ...SENTINELS, REDIS_TLS_CA: '-----BEGIN CERTIFICATE-----\nx' }, /^REDIS_TLS_CA: no connection uses TLS/],
    [{ ...SENTINELS, REDIS_TLS_CA: 'not a pem' }, /^REDIS_TLS_CA: expected PEM certificates$/],
    [{ ...SENTINELS, REDIS_WAIT_TIMEOUT_MS: '0' }, /^REDIS_WAIT_TIMEOUT_MS:/],
  ])('refuses %j in one line', (env, line) => {
    const found = problems(env);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(line)]));
    for (const problem of found) expect(problem).not.toContain('\n');
  });

  it('reads both passwords from *_FILE and never repeats a secret in a problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-redis-'));
    writeFileSync(join(dir, 'redis'), 'redis-secret-1\n');
    writeFileSync(join(dir, 'sentinel'), 'sentinel-secret-2\n');
    const config = loadConfig({
      ...SENTINELS,
      REDIS_PASSWORD_FILE: join(dir, 'redis'),
      REDIS_SENTINEL_PASSWORD_FILE: join(dir, 'sentinel'),
      REDIS_SENTINEL_USERNAME: 'watcher',
      REDIS_WAIT_REPLICAS: '0',
    });
    expect(config.redis).toMatchObject({
      password: 'redis-secret-1',
      sentinel: { password: 'sentinel-secret-2', username: 'watcher', waitReplicas: 0 },
    });
    const lines = problems({ REDIS_URL: 'redis://:in-the-url@r:6379', REDIS_PASSWORD_FILE: join(dir, 'redis') });
    expect(lines).toHaveLength(1);
    expect(lines.join()).not.toMatch(/in-the-url|redis-secret-1/);
  });
});
