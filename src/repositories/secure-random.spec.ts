import { randomFillSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { secureRandomBytes, SecureRandomPool } from './secure-random';

/** The system's generator, counting how often it is asked and how many bytes it gave. */
function countingFill(): { fill: (buffer: Buffer) => void; calls: number; bytes: number } {
  const counter = {
    calls: 0,
    bytes: 0,
    fill: (buffer: Buffer) => {
      counter.calls++;
      counter.bytes += buffer.length;
      randomFillSync(buffer);
    },
  };
  return counter;
}

describe('SecureRandomPool', () => {
  it('asks the system generator once for a pool’s worth of small draws', () => {
    const system = countingFill();
    const pool = new SecureRandomPool(system.fill, 4_096);
    for (let i = 0; i < 256; i++) expect(pool.bytes(16)).toHaveLength(16);
    expect(system.calls).toBe(1);
    pool.bytes(16);
    expect(system.calls).toBe(2);
  });

  it('hands every byte out once: the draws, laid end to end, are the generator’s output in order', () => {
    const given: Buffer[] = [];
    const pool = new SecureRandomPool((buffer) => {
      randomFillSync(buffer);
      given.push(Buffer.from(buffer));
    }, 64);
    // 12 + 16 + 12 + 16 = 56, then a 12 that does not fit the 8 left: a fresh pool, the 8 unused.
    const draws = [12, 16, 12, 16, 12, 16].map((n) => pool.bytes(n));
    expect(given).toHaveLength(2);
    expect(Buffer.concat(draws.slice(0, 4))).toEqual(given[0].subarray(0, 56));
    expect(Buffer.concat(draws.slice(4))).toEqual(given[1].subarray(0, 28));
  });

  it('returns copies: a refill of the pool leaves every earlier draw as it was', () => {
    const pool = new SecureRandomPool(undefined, 32);
    const first = pool.bytes(16);
    const asDrawn = Buffer.from(first);
    pool.bytes(16);
    const afterRefill = pool.bytes(16); // the pool was used up: refilled in place
    expect(first).toEqual(asDrawn);
    expect(afterRefill).not.toEqual(asDrawn);
  });

  it('sends large draws straight to the generator, leaving the pool as it was', () => {
    const system = countingFill();
    const pool = new SecureRandomPool(system.fill, 4_096);
    expect(pool.bytes(32)).toHaveLength(32);
    expect(pool.bytes(100)).toHaveLength(100);
    expect(system.calls).toBe(2);
    expect(system.bytes).toBe(4_096 + 100);
    expect(pool.bytes(0)).toHaveLength(0);
  });

  it('refuses a byte count that is not a whole number', () => {
    const pool = new SecureRandomPool();
    expect(() => pool.bytes(-1)).toThrow(RangeError);
    expect(() => pool.bytes(1.5)).toThrow(RangeError);
  });

  it('draws no value twice across many session ids and nonces', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(secureRandomBytes(i % 2 === 0 ? 16 : 12).toString('hex'));
    expect(seen.size).toBe(20_000);
  });
});
