import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, startDemoRedis } from '../../src/demo/redis-server';
import type { PollRecord } from '../../src/simulator/webex-simulator';
import { watchOutput, type WatchedOutput } from './output';

export const ROOT = join(__dirname, '..', '..');
/** A fixed key that looks random (production refuses a repetitive one): tests decrypt Redis with it. */
export const TEST_KEY = 'Xz1pAOrZq48bCSOtnBbbRDRRQ6lTLI1Splh6H1D2m8A=';

export interface RunningProcess extends WatchedOutput {
  proc: ChildProcess;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Starts `node <script>` with `env`, capturing its output for assertions (e.g. "no token in logs"). */
export function runNode(script: string, env: Record<string, string>): RunningProcess {
  const proc = spawn(process.execPath, [join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    ...watchOutput(proc, { label: '', defaultTimeoutMs: 30_000, exited }),
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      return exited;
    },
  };
}

export interface TestRedis {
  url: string;
  pid: number;
  stop: () => void;
}

/** A private redis-server for one test file: nothing shared with the machine's Redis or other files. */
export async function startRedis(): Promise<TestRedis> {
  const redis = await startDemoRedis();
  return { url: redis.url, pid: redis.pid, stop: redis.stop };
}

export interface Simulator extends RunningProcess {
  url: string;
  control: SimControl;
}

export async function startSimulator(settings: Record<string, string> = {}): Promise<Simulator> {
  const port = await freePort();
  const running = runNode('dist/src/simulator/standalone.js', { SIM_PORT: String(port), ...settings });
  await running.waitFor('Webex simulator listening');
  const url = `http://127.0.0.1:${port}`;
  return { ...running, url, control: new SimControl(url) };
}

export interface Service extends RunningProcess {
  url: string;
  port: number;
}

/** The service as `npm run start:prod` runs it, against the given Redis (or the Redis `env` names) and simulator. */
export async function startService(opts: {
  redisUrl: string | null;
  simulatorUrl: string;
  role?: 'api' | 'worker' | 'all';
  env?: Record<string, string>;
  port?: number;
}): Promise<Service> {
  const port = opts.port ?? (await freePort());
  const running = runNode('dist/src/main.js', {
    PORT: String(port),
    HOST: '127.0.0.1',
    ROLE: opts.role ?? 'all',
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    WEBEX_CLIENT_ID: 'sim-client-id',
    WEBEX_CLIENT_SECRET: 'sim-client-secret',
    WEBEX_API_BASE: `${opts.simulatorUrl}/v1`,
    TOKEN_ENCRYPTION_KEY: TEST_KEY,
    DASHBOARD_USER: 'ops',
    DASHBOARD_PASSWORD: 'correct-horse-battery',
    LOG_LEVEL: 'info',
    ...opts.env,
  });
  await running.waitFor('is running.');
  return { ...running, url: `http://127.0.0.1:${port}`, port };
}

/** The simulator's control API (`/_sim`). */
export class SimControl {
  constructor(private readonly base: string) {}

  approve(userCode: string, displayName = 'Ada Lovelace'): Promise<unknown> {
    return this.post('/_sim/approve', { userCode, displayName });
  }

  deny(userCode: string): Promise<unknown> {
    return this.post('/_sim/deny', { userCode });
  }

  expire(userCode: string): Promise<unknown> {
    return this.post('/_sim/expire', { userCode });
  }

  revoke(userCode: string): Promise<unknown> {
    return this.post('/_sim/revoke', { userCode });
  }

  slowDown(userCode: string, count = 1): Promise<unknown> {
    return this.post('/_sim/slow-down', { userCode, count });
  }

  /** The device code and every token the simulator issued for this sign-in. */
  async secrets(userCode: string): Promise<{ deviceCode: string; tokens: string[] }> {
    return (await fetch(`${this.base}/_sim/secrets/${userCode}`)).json() as never;
  }

  settings(settings: Record<string, unknown>): Promise<unknown> {
    return this.post('/_sim/settings', settings);
  }

  faults(fault: Record<string, unknown>): Promise<unknown> {
    return this.post('/_sim/faults', fault);
  }

  reset(): Promise<unknown> {
    return this.post('/_sim/reset', {});
  }

  async polls(): Promise<PollRecord[]> {
    return (await fetch(`${this.base}/_sim/polls`)).json() as never;
  }

  async refreshes(): Promise<Array<{ userCode: string | null; at: number; outcome: 'ok' | 'invalid_grant' }>> {
    return (await fetch(`${this.base}/_sim/refreshes`)).json() as never;
  }

  /** `GET /v1/people/me` with a token, as an integrator would call Webex. */
  async peopleMeStatus(accessToken: string): Promise<number> {
    return (await fetch(`${this.base}/v1/people/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
  }

  async stats(): Promise<Record<string, number>> {
    return (await fetch(`${this.base}/_sim/stats`)).json() as never;
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer: unknown = await res.json().catch(() => null);
    if (!res.ok) throw new Error(`simulator ${path} answered ${res.status}: ${JSON.stringify(answer)}`);
    return answer;
  }
}
