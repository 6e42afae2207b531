import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerSlots } from './timer-slots';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('TimerSlots', () => {
  let fired: Array<{ item: string; at: number }>;
  let slots: TimerSlots<string>;

  beforeEach(() => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    fired = [];
    slots = new TimerSlots(20, (item) => fired.push({ item, at: Date.now() - T0 }));
  });

  afterEach(() => {
    slots.clearAll();
    vi.useRealTimers();
  });

  it('fires each item at the first slot at or after its time, never sooner', async () => {
    slots.set('on-the-grid', T0 + 100);
    slots.set('between', T0 + 101);
    slots.set('just-before', T0 + 119);
    await vi.advanceTimersByTimeAsync(200);
    expect(fired).toEqual([
      { item: 'on-the-grid', at: 100 },
      { item: 'between', at: 120 },
      { item: 'just-before', at: 120 },
    ]);
  });

  it('fires everything due in one slot from one timer', async () => {
    for (let i = 0; i < 50; i++) slots.set(`s${i}`, T0 + 1_000 + (i % 20));
    // One timer for the slot at 1,000 ms, one for the slot at 1,020 ms.
    expect(vi.getTimerCount()).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired).toHaveLength(3); // s0, s20, s40: due at exactly 1,000 ms
    await vi.advanceTimersByTimeAsync(20);
    expect(fired).toHaveLength(50);
    expect(new Set(fired.map((f) => f.at))).toEqual(new Set([1_000, 1_020]));
  });

  it('moves an item to its new time, and forgets a cleared one', async () => {
    slots.set('moved', T0 + 100);
    slots.set('cleared', T0 + 100);
    slots.set('moved', T0 + 300);
    slots.clear('cleared');
    // The slot at 100 ms lost everything: its timer is gone too.
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    // Once each, at its last time; nothing is left waiting.
    expect(fired).toEqual([{ item: 'moved', at: 300 }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits out the rest when the timer fires before the clock reaches the slot', async () => {
    let skew = 5;
    const skewed = new TimerSlots(
      20,
      (item: string) => fired.push({ item, at: Date.now() - T0 }),
      () => Date.now() - skew,
    );
    skewed.set('late-clock', T0 + 100);
    await vi.advanceTimersByTimeAsync(100);
    // Its clock read 95 ms: not yet.
    expect(fired).toEqual([]);
    skew = 0;
    await vi.advanceTimersByTimeAsync(5);
    expect(fired).toEqual([{ item: 'late-clock', at: 105 }]);
    skewed.clearAll();
  });

  it('lets an item fired in a slot be set again from its own callback', async () => {
    let rounds = 0;
    const again: TimerSlots<string> = new TimerSlots(20, (item) => {
      fired.push({ item, at: Date.now() - T0 });
      if (++rounds < 3) again.set(item, Date.now() + 50);
    });
    again.set('repeat', T0 + 40);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired.map((f) => f.at)).toEqual([40, 100, 160]);
    again.clearAll();
  });

  it('forgets every time on clearAll', async () => {
    slots.set('a', T0 + 100);
    slots.set('b', T0 + 500);
    slots.clearAll();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired).toEqual([]);
  });

  it('refuses a slot under a millisecond', () => {
    expect(() => new TimerSlots(0, () => undefined)).toThrow(RangeError);
  });
});
