import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.loader';
import { redisTarget } from './redis-target';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('redisTarget', () => {
  it('connects to REDIS_URL, or to the demo Redis when nothing is configured', () => {
    expect(redisTarget(loadConfig({ REDIS_URL: 'redis://r:6379' }).redis, null)).toEqual({
      url: 'redis://r:6379',
      options: {},
      sentinel: false,
      cluster: null,
    });
    expect(redisTarget(loadConfig({}).redis, 'redis://127.0.0.1:4000')).toMatchObject({ url: 'redis://127.0.0.1:4000' });
    const tls = redisTarget(loadConfig({ REDIS_URL: 'rediss://r:6380', REDIS_TLS_CA: CA, REDIS_PASSWORD: 'pw' }).redis, null);
    expect(tls.options).toEqual({ password: 'pw', tls: { ca: CA } });
  });

  it('seeds a Redis Cluster client with the nodes, the credentials and TLS for every node', () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: 'c1:7000,c2',
      REDIS_PASSWORD: 'pw',
      REDIS_TLS: 'true',
      REDIS_TLS_CA: CA,
    });
    expect(redisTarget(config.redis, 'redis://127.0.0.1:4000')).toEqual({
      url: null,
      sentinel: false,
      cluster: [
        { host: 'c1', port: 7000 },
        { host: 'c2', port: 6379 },
      ],
      options: { password: 'pw', tls: { ca: CA } },
    });
  });

  it('asks the sentinels for the master, with both sets of credentials and TLS where asked for', () => {
    const config = loadConfig({
      REDIS_SENTINELS: 's1:26379,s2:26379',
      REDIS_SENTINEL_NAME: 'kiosk',
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: 'pw',
      REDIS_SENTINEL_USERNAME: 'watch',
      REDIS_SENTINEL_PASSWORD: 'spw',
      REDIS_TLS: 'true',
      REDIS_SENTINEL_TLS: 'true',
      REDIS_TLS_CA: CA,
    });
    const target = redisTarget(config.redis, null);
    expect(target).toMatchObject({
      url: null,
      sentinel: true,
      options: {
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
        ],
        name: 'kiosk',
        role: 'master',
        username: 'app',
        password: 'pw',
        sentinelUsername: 'watch',
        sentinelPassword: 'spw',
        sentinelTLS: { ca: CA },
        enableTLSForSentinelMode: true,
        tls: { ca: CA },
        failoverDetector: true,
      },
    });
    const reconnect = target.options.reconnectOnError!;
    expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnect(new Error('ERR unknown command'))).toBe(false);
  });

  it('uses plain TCP to sentinels and Redis unless TLS is asked for', () => {
    const target = redisTarget(loadConfig({ REDIS_SENTINELS: 's1', REDIS_SENTINEL_NAME: 'kiosk' }).redis, null);
    expect(target.options).not.toHaveProperty('tls');
    expect(target.options).not.toHaveProperty('sentinelTLS');
    expect(target.options).not.toHaveProperty('sentinelPassword');
  });
});
