import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from '../../src/demo/redis-server';
import { watchOutput, type WatchedOutput } from './output';

export const MASTER_NAME = 'kiosk';

/** One redis-server or redis-sentinel child, its output kept for assertions and failures. */
export interface RedisProcess extends WatchedOutput {
  port: number;
  pid: number;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * A primary, a replica and three sentinels on free loopback ports, in a temporary directory
 * (sentinels rewrite their configuration file). Nothing is written to disk by the data nodes.
 */
export interface SentinelTopology {
  primary: RedisProcess;
  replica: RedisProcess;
  sentinels: RedisProcess[];
  /** `REDIS_SENTINELS` for the service. */
  sentinelList: string;
  /** The master's port as the sentinels name it now. */
  masterPort: () => Promise<number>;
  /** With `tls`: the CA (PEM and file) the service must trust. */
  certificates: TestCertificates | null;
  stop: () => Promise<void>;
}

export interface TopologyOptions {
  /** How long a master must be silent before a sentinel deems it down. */
  downAfterMs?: number;
  /** The data nodes' password (`requirepass`, and `masterauth` for replication and sentinels). */
  password?: string;
  /** The sentinels' own password. */
  sentinelPassword?: string;
  /** TLS only, on every node and sentinel (no plain port), with certificates from a private CA. */
  tls?: boolean;
}

/** A private CA and one certificate for 127.0.0.1, made with openssl in `dir`. */
export interface TestCertificates {
  caFile: string;
  ca: string;
  certFile: string;
  keyFile: string;
}

function makeCertificates(dir: string): TestCertificates {
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=kiosk-test-ca',
  );
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'redis.key', '-out', 'redis.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(at('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'redis.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'redis.crt',
    '-days',
    '1',
    '-extfile',
    'san.cnf',
  );
  return { caFile: at('ca.crt'), ca: readFileSync(at('ca.crt'), 'utf8'), certFile: at('redis.crt'), keyFile: at('redis.key') };
}

/** Server arguments (or sentinel configuration lines) for TLS only: no plain port, no client certificates. */
function tlsSettings(c: TestCertificates, port: number): string[][] {
  return [
    ['port', '0'],
    ['tls-port', String(port)],
    ['tls-cert-file', c.certFile],
    ['tls-key-file', c.keyFile],
    ['tls-ca-cert-file', c.caFile],
    ['tls-auth-clients', 'no'],
    ['tls-replication', 'yes'],
  ];
}

/** A primary and its replica, in sync, on free loopback ports. */
export interface ReplicatedPair {
  primary: RedisProcess;
  replica: RedisProcess;
  stop: () => Promise<void>;
}

export async function startReplicatedPair(opts: { password?: string } = {}): Promise<ReplicatedPair> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-replicas-'));
  const started: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((p) => p.kill('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { primary, replica } = await startDataNodes(dir, started, opts.password, null);
    return { primary, replica, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startDataNodes(
  dir: string,
  started: RedisProcess[],
  password: string | undefined,
  certs: TestCertificates | null,
) {
  const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
  // A replica's full sync goes through an RDB file in `--dir`: the temporary directory, never the cwd.
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...auth];
  const listen = (port: number) =>
    certs ? tlsSettings(certs, port).flatMap(([k, v]) => [`--${k}`, v]) : ['--port', String(port)];
  const primaryPort = await freePort();
  const primary = await startProcess('redis-server', [...listen(primaryPort), ...common], started, primaryPort);
  await primary.waitFor('Ready to accept connections');
  const replicaPort = await freePort();
  const replica = await startProcess(
    'redis-server',
    [...listen(replicaPort), ...common, '--replicaof', '127.0.0.1', String(primary.port)],
    started,
    replicaPort,
  );
  await replica.waitFor(/MASTER <-> REPLICA sync: (Finished with success|Master accepted a Partial)/);
  return { primary, replica };
}

export async function startSentinelTopology(opts: TopologyOptions = {}): Promise<SentinelTopology> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-sentinel-'));
  const started: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((p) => p.kill('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const certificates = opts.tls ? makeCertificates(dir) : null;
    const { primary, replica } = await startDataNodes(dir, started, opts.password, certificates);
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const file = join(dir, `sentinel-${i}.conf`);
      writeFileSync(
        file,
        [
          ...(certificates ? tlsSettings(certificates, port).map(([k, v]) => `${k} ${v}`) : [`port ${port}`]),
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} ${opts.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${MASTER_NAME} 10000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          ...(opts.password ? [`sentinel auth-pass ${MASTER_NAME} ${opts.password}`] : []),
          ...(opts.sentinelPassword ? [`requirepass ${opts.sentinelPassword}`] : []),
          '',
        ].join('\n'),
      );
      sentinels.push(await startProcess('redis-sentinel', [file], started, port));
    }
    await Promise.all(sentinels.map((s) => s.waitFor(`+monitor master ${MASTER_NAME}`)));
    const ask = (port: number) =>
      new Redis({
        port,
        host: '127.0.0.1',
        password: opts.sentinelPassword,
        lazyConnect: true,
        retryStrategy: () => null,
        ...(certificates ? { tls: { ca: certificates.ca } } : {}),
      });
    await Promise.all(sentinels.map((s) => untilSentinelReady(ask(s.port))));
    return {
      primary,
      replica,
      sentinels,
      sentinelList: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      masterPort: () => askMasterPort(sentinels.map((s) => () => ask(s.port))),
      certificates,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Every sentinel sees the other two and the replica: only then can they agree on a failover. */
async function untilSentinelReady(client: Redis, timeoutMs = 20_000): Promise<void> {
  await client.connect();
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const quorum = await client.call('SENTINEL', 'CKQUORUM', MASTER_NAME).catch((e: Error) => e.message);
      const replicas = (await client.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[];
      if (String(quorum).startsWith('OK 3 usable') && replicas.length > 0) return;
      if (Date.now() > until) throw new Error(`sentinel not ready: ${String(quorum)}, ${replicas.length} replicas`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.disconnect();
  }
}

async function askMasterPort(clients: Array<() => Redis>): Promise<number> {
  for (const make of clients) {
    const client = make();
    try {
      await client.connect();
      const [, port] = (await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as [string, string];
      return Number(port);
    } catch {
      // a sentinel that is down: ask the next one
    } finally {
      client.disconnect();
    }
  }
  throw new Error('no sentinel answered');
}

async function startProcess(binary: string, args: string[], started: RedisProcess[], port: number): Promise<RedisProcess> {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const watched = watchOutput(child, { label: `${binary} :${port}`, defaultTimeoutMs: 20_000, keepChars: 200_000 });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const proc: RedisProcess = {
    port,
    pid: child.pid!,
    ...watched,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
  started.push(proc);
  return proc;
}
