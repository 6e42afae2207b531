import { getHeapStatistics } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/demo/redis-server';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from '../src/startup/heap-policy';
import { createSession, KioskSocket } from './support/kiosk-socket';
import { runNode, RunningProcess, Simulator, startRedis, startSimulator, TEST_KEY, TestRedis } from './support/processes';

const PASSWORD = 'correct-horse-battery-staple';
const CLIENT_SECRET = 'sim-client-secret';

/** A process started with NODE_ENV=production, its stdout and stderr kept apart. */
interface ProdProcess {
  running: RunningProcess;
  stdout: () => string;
  stderr: () => string;
}

function startProduction(env: Record<string, string>): ProdProcess {
  const running = runNode('dist/src/main.js', { NODE_ENV: 'production', ...env });
  let stdout = '';
  let stderr = '';
  // Attached in the same tick as the spawn: no chunk can have been read yet.
  running.proc.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  running.proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { running, stdout: () => stdout, stderr: () => stderr };
}

/** Every stdout line as a parsed record; throws (naming the line) on the first one that is not JSON. */
function records(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        return parsed as Record<string, unknown>;
      } catch {
        throw new Error(`stdout line is not a JSON record: ${line}`);
      }
    });
}

/**
 * Issue #13.1: a log shipper reading a production process's stdout gets nothing but JSON lines —
 * the start banner included, as one record with the addresses as fields — from start to stop,
 * through requests, errors, a sign-in and a SIGTERM.
 */
describe('production logs', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let all: ProdProcess;
  let worker: ProdProcess;
  let port: number;
  const publicUrl = 'https://kiosks.example.test';

  beforeAll(async () => {
    redis = await startRedis();
    sim = await startSimulator({ SIM_INTERVAL_S: '1' });
    port = await freePort();
    const common = {
      HOST: '127.0.0.1',
      PUBLIC_URL: publicUrl,
      REDIS_URL: redis.url,
      WEBEX_CLIENT_ID: 'sim-client-id',
      WEBEX_CLIENT_SECRET: CLIENT_SECRET,
      WEBEX_API_BASE: `${sim.url}/v1`,
      TOKEN_ENCRYPTION_KEY: TEST_KEY,
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: PASSWORD,
      // Anyone may start a sign-in here: this file is about logs, not enrolment.
      KIOSK_ENROLLMENT: 'open',
      LOG_LEVEL: 'info',
    };
    all = startProduction({ ...common, ROLE: 'all', PORT: String(port) });
    // The worker's heap is capped by its operator: the service leaves its growth to V8 (heap-policy.ts).
    worker = startProduction({
      ...common,
      ROLE: 'worker',
      PORT: String(await freePort()),
      NODE_OPTIONS: '--max-old-space-size=512',
    });
    await Promise.all([all.running.waitFor('is running.'), worker.running.waitFor('is running.')]);
  });

  afterAll(async () => {
    await Promise.all([all?.running.stop('SIGKILL'), worker?.running.stop('SIGKILL')]);
    await sim?.stop();
    redis?.stop();
  });

  it('writes only JSON records to stdout, the banner and the shutdown included, and nothing to stderr', async () => {
    const base = `http://127.0.0.1:${port}`;
    // Some traffic, good and bad, so that request, error and worker lines are in the output too.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/api/sessions/no-such-session`)).status).toBeGreaterThanOrEqual(400);
    const badJson = await fetch(`${base}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(badJson.status).toBe(400);
    const kiosk = await KioskSocket.connect(base);
    try {
      const session = await createSession(base, { kioskId: 'lobby-1' });
      await kiosk.watch({ id: session.id });
      await sim.control.approve(session.userCode, 'Grace Hopper');
      await kiosk.next((v) => v.id === session.id && v.status === 'authorized');
    } finally {
      kiosk.close();
    }
    expect(await all.running.stop('SIGTERM')).toBe(0);
    expect(await worker.running.stop('SIGTERM')).toBe(0);

    for (const [name, proc] of [
      ['all', all],
      ['worker', worker],
    ] as const) {
      const lines = records(proc.stdout());
      expect(lines.length, name).toBeGreaterThan(5);
      for (const line of lines) expect(line, name).toMatchObject({ level: expect.any(Number), time: expect.any(Number) });
      expect(proc.stderr(), name).toBe('');
      // Secrets stay out of the log stream.
      expect(proc.stdout(), name).not.toContain(PASSWORD);
      expect(proc.stdout(), name).not.toContain(CLIENT_SECRET);
      expect(proc.stdout(), name).not.toContain(TEST_KEY);
      const stopped = lines.filter((l) => l.event === 'stopped');
      expect(stopped, name).toEqual([expect.objectContaining({ signal: 'SIGTERM', msg: 'stopped on SIGTERM' })]);
      expect(lines.at(-1), name).toBe(stopped[0]);
    }

    const started = records(all.stdout()).filter((l) => l.event === 'started');
    expect(started).toEqual([
      expect.objectContaining({
        msg: 'Kiosk Sign-in (all) is running.',
        role: 'all',
        urls: {
          kioskPage: `${publicUrl}/?kiosk=lobby-1`,
          fleetView: `${publicUrl}/admin/kiosks`,
          queueDashboard: `${publicUrl}/admin/queues`,
        },
        demo: null,
        // No heap option given: the old generation may double between full collections — where
        // Node gives the heap room enough, as it does on any machine with a few GiB to spare.
        heapGrowingPercent:
          heapGrowthFlag([], undefined, getHeapStatistics().heap_size_limit) === null ? null : HEAP_GROWING_PERCENT,
      }),
    ]);
    // A worker has no HTTP port, so no addresses to give.
    expect(records(worker.stdout()).filter((l) => l.event === 'started')).toEqual([
      expect.objectContaining({
        msg: 'Kiosk Sign-in (worker) is running.',
        role: 'worker',
        urls: {},
        demo: null,
        heapGrowingPercent: null,
      }),
    ]);
    // The request lines are there, as records (pino-http), not as text.
    expect(records(all.stdout()).some((l) => typeof l.req === 'object' && l.req !== null)).toBe(true);
  });

  it('sends configuration errors to stderr as plain lines, leaving stdout empty', async () => {
    const bad = startProduction({ PORT: 'not-a-port' });
    const code = await new Promise<number | null>((resolve) => bad.running.proc.once('exit', resolve));
    expect(code).toBe(1);
    expect(bad.stdout()).toBe('');
    const lines = bad.stderr().trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^config error: /);
  });
});
