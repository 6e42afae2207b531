import { describe, expect, it } from 'vitest';
import { expectedStatus, IdlePool, planPerson, seededRandom } from './people';

describe('seededRandom', () => {
  it('repeats for a seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(43)()).not.toBe(xs[0]);
  });
});

describe('planPerson', () => {
  const opts = { thinkMinS: 5, thinkMaxS: 40, denyShare: 0.1, expireShare: 0.2 };

  it('maps the draw onto deny, expire, approve by share', () => {
    const draws = (first: number) => {
      const seq = [first, 0.5];
      return () => seq.shift() ?? 0;
    };
    expect(planPerson(draws(0.05), opts).decision).toBe('deny');
    expect(planPerson(draws(0.15), opts).decision).toBe('expire');
    expect(planPerson(draws(0.35), opts).decision).toBe('approve');
    expect(planPerson(draws(0.3), opts).thinkMs).toBe(22_500);
  });

  it('keeps think times in range and shares roughly right over many people', () => {
    const random = seededRandom(1);
    const plans = Array.from({ length: 10_000 }, () => planPerson(random, opts));
    expect(plans.every((p) => p.thinkMs >= 5_000 && p.thinkMs <= 40_000)).toBe(true);
    const denies = plans.filter((p) => p.decision === 'deny').length;
    expect(denies).toBeGreaterThan(800);
    expect(denies).toBeLessThan(1200);
  });

  it('no shares: everyone approves', () => {
    const random = seededRandom(3);
    const none = { ...opts, denyShare: 0, expireShare: 0 };
    expect(Array.from({ length: 100 }, () => planPerson(random, none).decision).every((d) => d === 'approve')).toBe(true);
  });
});

describe('expectedStatus', () => {
  it('is what the kiosk must be pushed', () => {
    expect(expectedStatus('approve')).toBe('authorized');
    expect(expectedStatus('deny')).toBe('denied');
    expect(expectedStatus('expire')).toBe('expired');
  });
});

describe('IdlePool', () => {
  it('hands out each kiosk once until given back', () => {
    const pool = new IdlePool(5, seededRandom(9));
    const taken = [pool.take(), pool.take(), pool.take(), pool.take(), pool.take()];
    expect(new Set(taken).size).toBe(5);
    expect(pool.take()).toBeUndefined();
    pool.give(3);
    expect(pool.size).toBe(1);
    expect(pool.take()).toBe(3);
  });
});
