import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort } from '../src/demo/redis-server';
import { createSession, KioskSocket } from './support/kiosk-socket';
import { runNode } from './support/processes';

describe('starting the service', () => {
  it('runs a working demo with nothing configured, and stops cleanly', async () => {
    const port = await freePort();
    const service = runNode('dist/src/main.js', { PORT: String(port), NODE_ENV: 'development' });
    try {
      await service.waitFor('is running.');
      const banner = service.output();
      expect(banner).toContain(`Kiosk page:        http://localhost:${port}/?kiosk=lobby-1`);
      expect(banner).toContain(`Webex simulator:   http://localhost:${port}/sim/verify`);
      expect(banner).toMatch(/Dashboard login: +admin \/ \S{12,}/);
      const redisPort = /Redis \(demo\): +redis:\/\/127\.0\.0\.1:(\d+)/.exec(banner)?.[1];
      expect(redisPort).toBeDefined();

      const base = `http://127.0.0.1:${port}`;
      const kiosk = await KioskSocket.connect(base);
      const session = await createSession(base);
      expect(session.verificationUriComplete).toBe(`http://localhost:${port}/sim/verify?userCode=${session.userCode}`);
      await kiosk.watch({ id: session.id });
      // Approve the way a person does: the simulator's verification page form.
      const approved = await fetch(`${base}/sim/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ userCode: session.userCode, decision: 'approve', displayName: 'Demo Person' }).toString(),
      });
      expect(approved.status).toBe(200);
      const pushed = await kiosk.next((v) => v.id === session.id && v.status === 'authorized');
      expect(pushed.profile).toMatchObject({ displayName: 'Demo Person' });
      kiosk.close();

      expect(await service.stop('SIGTERM')).toBe(0);
      // The private redis-server went with it.
      expect(() => execFileSync('redis-cli', ['-p', redisPort!, 'ping'], { stdio: 'pipe' })).toThrow();
    } finally {
      await service.stop('SIGKILL');
    }
  });

  it('stops at start with one clear line per configuration problem', async () => {
    const service = runNode('dist/src/main.js', { PORT: 'abc', ROLE: 'worker', TOKEN_ENCRYPTION_KEY: 'c2hvcnQ=' });
    const code = await new Promise<number | null>((resolve) => service.proc.once('exit', resolve));
    expect(code).toBe(1);
    const lines = service.output().trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^config error: PORT: /),
        expect.stringMatching(/^config error: TOKEN_ENCRYPTION_KEY: /),
      ]),
    );
    expect(service.output()).not.toMatch(/\n\s+at /); // no stack trace
  });
});
