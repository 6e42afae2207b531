import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { transformFileSync } from '@swc/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStandaloneEnv } from './standalone-config';
import { startStandaloneServer } from './standalone-server';

describe('parseStandaloneEnv', () => {
  it('uses the defaults when nothing is set', () => {
    expect(parseStandaloneEnv({})).toEqual({
      ok: true,
      config: { port: 4010, host: '127.0.0.1', publicUrl: null, settings: {} },
    });
  });

  it('reads every variable, treating blank ones as unset', () => {
    const result = parseStandaloneEnv({
      SIM_PORT: '0',
      SIM_HOST: '0.0.0.0',
      SIM_PUBLIC_URL: 'http://192.168.1.20:4010',
      SIM_INTERVAL_S: '3',
      SIM_EXPIRES_IN_S: '60',
      SIM_ACCESS_TOKEN_TTL_S: '120',
      SIM_REFRESH_TOKEN_TTL_S: ' ',
    });
    expect(result).toEqual({
      ok: true,
      config: {
        port: 0,
        host: '0.0.0.0',
        publicUrl: 'http://192.168.1.20:4010',
        settings: { intervalS: 3, expiresInS: 60, accessTokenTtlS: 120 },
      },
    });
  });

  it.each([
    [{ SIM_PORT: 'abc' }, /^Invalid SIM_PORT: /],
    [{ SIM_PORT: '70000' }, /^Invalid SIM_PORT: /],
    [{ SIM_INTERVAL_S: '2.5' }, /^Invalid SIM_INTERVAL_S: /],
    [{ SIM_EXPIRES_IN_S: '0' }, /^Invalid SIM_EXPIRES_IN_S: /],
    [{ SIM_PUBLIC_URL: 'localhost:4010' }, /^Invalid SIM_PUBLIC_URL: /],
  ])('refuses %j with one clear line', (env, line) => {
    const result = parseStandaloneEnv(env);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatch(line);
    }
  });
});

describe('startStandaloneServer', () => {
  it('listens on a free port and builds URIs from the actual port', async () => {
    const running = await startStandaloneServer(
      { port: 0, host: '127.0.0.1', publicUrl: null, settings: { intervalS: 4 } },
      () => undefined,
    );
    try {
      const port = new URL(running.url).port;
      const res = await fetch(`${running.url}/v1/device/authorize`, {
        method: 'POST',
        body: new URLSearchParams({ client_id: 'sim-client-id', scope: 'spark:all' }),
      });
      const body = (await res.json()) as Record<string, unknown>;
      expect(body['interval']).toBe(4);
      expect(body['verification_uri']).toBe(`http://localhost:${port}/verify`);
    } finally {
      await running.close();
    }
  });
});

/**
 * The real entry point, as a process: compiled with SWC (already a dev
 * dependency, used by vitest) into a temporary folder.
 */
describe('standalone.ts as a process', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'webex-sim-'));
  beforeAll(compile);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  function compile(): void {
    for (const file of readdirSync(__dirname)) {
      if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
      const { code } = transformFileSync(join(__dirname, file), {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      writeFileSync(join(outDir, file.replace(/\.ts$/, '.js')), code);
    }
  }

  function run(env: Record<string, string>) {
    return spawn(process.execPath, [join(outDir, 'standalone.js')], {
      env: { ...process.env, NODE_PATH: resolve(__dirname, '../../node_modules'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  it('prints the listening line, serves, and exits 0 on SIGTERM', async () => {
    const child = run({ SIM_PORT: '0' });
    let stdout = '';
    const url = await new Promise<string>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^Webex simulator listening on (http:\/\/\S+)$/m.exec(stdout);
        if (match?.[1] !== undefined) done(match[1]);
      });
      child.once('exit', (code) => fail(new Error(`exited ${code}: ${stdout}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/verify`)).status).toBe(200);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('exits 1 with one line on a bad value', async () => {
    const child = run({ SIM_INTERVAL_S: 'soon' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Invalid SIM_INTERVAL_S: /)]);
  });
});
