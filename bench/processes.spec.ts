import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Child, startNode, whenReady } from './processes';

describe('a child process that says it is ready', () => {
  let dir: string;
  let child: Child | null = null;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-ready-'));
  });

  afterEach(async () => {
    await child?.stop(1_000);
    rmSync(dir, { recursive: true, force: true });
  });

  function start(body: string): Child {
    const script = join(dir, 'child.js');
    writeFileSync(script, body);
    return startNode('child', script, {}, { ipc: true });
  }

  it('is ready once it sends {type: "ready"}, whatever came before', async () => {
    child = start(
      `process.send({ type: 'hello' }); setTimeout(() => process.send({ type: 'ready' }), 20); setInterval(() => {}, 1000);`,
    );
    await expect(whenReady(child, 10_000)).resolves.toBeUndefined();
  });

  it('is refused with its output when it never does', async () => {
    child = start(`console.log('loading forever'); setInterval(() => {}, 1000);`);
    await child.waitFor('loading forever', 10_000);
    await expect(whenReady(child, 100)).rejects.toThrow(/child did not start within 100 ms:\n[^]*loading forever/);
  });
});
