import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../src/demo/redis-server';
import { ROOT, runNode } from './support/processes';

/** The sample banner under "It prints:" in the README's quick start. */
function readmeBanner(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /It prints:\n\n```\n([\s\S]*?)\n```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README has no sample banner after "It prints:"');
  return block.split('\n');
}

/** What differs between runs — ports and the generated password — as placeholders. */
function normalise(lines: string[]): string[] {
  return lines.map((line) =>
    line
      .replace(/localhost:\d+/g, 'localhost:PORT')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
      .replace(/(Dashboard login: +admin \/ )\S+/, '$1PASSWORD'),
  );
}

/**
 * Issue #13.2: in demo mode the banner, with the generated dashboard password, is the last thing
 * on screen — after every start-up line Nest writes — and the README shows it as it really is.
 */
describe('the demo banner', () => {
  it('comes after the start-up logs, ends the output, and matches the README', async () => {
    const port = await freePort();
    const service = runNode('dist/src/main.js', { PORT: String(port), NODE_ENV: 'development' });
    try {
      await service.waitFor('Token key:');
      // A round trip through the running service: anything start-up still had to say has been said.
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

      const lines = service
        .output()
        .split('\n')
        .filter((l) => l !== '');
      const first = lines.findIndex((l) => l.startsWith('Kiosk Sign-in (all) is running.'));
      expect(first).toBeGreaterThan(0);
      const banner = lines.slice(first);
      // Nest's own start-up lines (route mapping, gateways) all came before it.
      const before = lines.slice(0, first).join('\n');
      expect(before).toContain('Mapped {/api/sessions, POST} route');
      expect(before).toContain('Nest application successfully started');
      // ... and nothing after it: the password is on the last lines, where a newcomer looks.
      expect(banner.at(-2)).toMatch(/^ {2}Dashboard login: {3}admin \/ \S{12,} {2}\(generated; set DASHBOARD_PASSWORD\)$/);
      expect(banner.at(-1)).toBe('  Token key:         generated for this run; tokens do not survive a restart');

      expect(normalise(banner)).toEqual(normalise(readmeBanner()));
    } finally {
      await service.stop('SIGTERM');
    }
  });
});
