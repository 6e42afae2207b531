import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/processes';

/**
 * Issue #13.3: npm 11 warns about every dependency whose install script has not been reviewed. The
 * project's `allowScripts` (package.json) decides each one, so a clean `npm ci` prints no such
 * warning; this file fails as soon as a new dependency brings an undecided install script.
 */
describe('install scripts', () => {
  it('leaves no dependency with an unreviewed install script', (ctx) => {
    const run = spawnSync('npm', ['approve-scripts', '--allow-scripts-pending'], { cwd: ROOT, encoding: 'utf8' });
    // npm before 11.x has no install-script policy, so nothing to warn about either.
    if (/Unknown command/i.test(`${run.stdout}${run.stderr}`)) ctx.skip('this npm has no approve-scripts');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('No packages with unreviewed install scripts.');
  });

  it('decides each package on purpose: @swc/core allowed, msgpackr-extract and @scarf/scarf denied', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
    expect(pkg.allowScripts).toEqual({ '@swc/core': true, 'msgpackr-extract': false, '@scarf/scarf': false });
  });

  it('still gets msgpackr native acceleration with the install script denied (the prebuilt package is loaded)', () => {
    // Outside vitest's module loader, exactly as BullMQ loads msgpackr in the service.
    const out = execFileSync(
      process.execPath,
      ['-e', "process.stdout.write(String(require('msgpackr').isNativeAccelerationEnabled))"],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(out).toBe('true');
  });
});
