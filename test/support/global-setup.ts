import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Integration tests run the service as real OS processes from `dist/`, exactly as
 * `npm run start:prod` does, so the build comes first (once per test run).
 */
export default function setup(): void {
  const root = join(__dirname, '..', '..');
  const run = (args: string[]) => execFileSync('npx', args, { cwd: root, stdio: 'inherit' });
  run(['nest', 'build']);
  if (existsSync(join(root, 'client', 'vite.config.mts'))) {
    run(['vite', 'build', '--config', 'client/vite.config.mts', '--logLevel', 'warn']);
  }
}
