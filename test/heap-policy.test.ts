import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { heapGrowthFlag } from '../src/startup/heap-policy';
import { ROOT } from './support/processes';

const run = promisify(execFile);

interface Churn {
  /** Heap in use after a full collection, the live set alone. */
  liveBytes: number;
  /** The most the heap held while the churn ran. */
  peakBytes: number;
  /** Full collections during the run (V8's own trace, `--trace-gc`). */
  fullCollections: number;
  applied: number | null;
}

/**
 * A process shaped like the service under sign-in traffic: a live set that stays (the sockets, the
 * sign-ins in progress), and a stream of objects that outlive two scavenges and then die (a poll's
 * state, a request), so that they reach the old generation as garbage and only a full collection
 * frees them. The work is a fixed count of allocations, not a time.
 */
const CHURN = `
const v8 = require('node:v8');
const applied = process.env.APPLY === '1' ? require(${JSON.stringify(join(ROOT, 'dist/src/startup/heap-policy.js'))}).applyHeapPolicy() : null;
const live = [];
for (let i = 0; i < 600000; i++) live.push({ i, name: 'kiosk-' + i, pair: [i, i] });
const ring = new Array(300000);
for (let n = 0; n < ring.length; n++) ring[n] = { n, text: 'poll-' + n, due: [n] };
globalThis.gc();
const liveBytes = v8.getHeapStatistics().used_heap_size;
let peakBytes = 0;
for (let n = 0, end = Number(process.env.ALLOCATIONS); n < end; n++) {
  ring[n % ring.length] = { n, text: 'poll-' + n, due: [n] };
  if (n % 5000 === 0) peakBytes = Math.max(peakBytes, v8.getHeapStatistics().used_heap_size);
}
// \`kept\` reads both arrays, so that neither is dead (and collectable) before the end.
process.stdout.write(JSON.stringify({ liveBytes, peakBytes, applied, kept: live.length + ring.length }) + '\\n');
`;

async function churn(env: Record<string, string>, allocations = 12_000_000): Promise<Churn> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--trace-gc', '-e', CHURN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ALLOCATIONS: String(allocations), ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  // V8's trace lines come before and after the result, which is the one JSON line.
  const lines = stdout.trim().split('\n');
  const result = JSON.parse(lines.find((line) => line.startsWith('{')) ?? '') as Omit<Churn, 'fullCollections'>;
  return { ...result, fullCollections: lines.filter((line) => line.includes('Mark-Compact')).length };
}

/** The children run with Node's default heap, as this process does: would the policy apply to it? */
const roomy = heapGrowthFlag([], undefined, getHeapStatistics().heap_size_limit) !== null;

/**
 * The service's heap policy (`src/startup/heap-policy.ts`, applied first thing in `main.ts`): set
 * once the VM runs, V8 takes it up, and the garbage the heap holds between full collections is
 * bounded by the live set, not by four times it.
 */
describe('heap policy', () => {
  it.runIf(roomy)('keeps the heap within about twice the live set where V8 alone lets it grow further', async () => {
    const withPolicy = await churn({ APPLY: '1' });
    const without = await churn({ APPLY: '0' });
    expect(withPolicy.applied).toBe(100);
    expect(without.applied).toBeNull();
    // Both ran long enough to set their limit from a full collection of the churn more than once
    // (the first two of each run come before it: the start, and the test's own gc()).
    expect(withPolicy.fullCollections).toBeGreaterThanOrEqual(5);
    expect(without.fullCollections).toBeGreaterThanOrEqual(4);
    const ratio = (c: Churn) => c.peakBytes / c.liveBytes;
    // Twice the live set, plus the young generation and what is allocated while marking runs
    // (≈ 2.9 here on an idle machine).
    expect(ratio(withPolicy)).toBeLessThan(3.6);
    // Left to itself V8 lets the heap reach four times the live set, and more (≈ 5.2 here).
    expect(ratio(without)).toBeGreaterThan(1.4 * ratio(withPolicy));
  });

  it('stands aside when the operator capped the heap', async () => {
    const capped = await churn({ APPLY: '1', NODE_OPTIONS: '--max-old-space-size=2048' }, 0);
    expect(capped.applied).toBeNull();
  });
});
