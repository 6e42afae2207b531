/**
 * Timers on a grid: each due time is rounded up to the next multiple of `slotMs`, and everything
 * due in one slot fires from one timer, in one turn of the event loop. Nothing fires before its
 * time; each fires at most `slotMs` after it.
 *
 * Why: a poller holds thousands of sign-ins, each with its own next poll time. With a timer each,
 * spread out, every poll wakes the process on its own and runs its code cold (see bench/README.md, "December, fourth": a
 * provider request costs about 250 µs of CPU alone, 130–160 µs when a few go out together). On a
 * grid the polls that fall due within a slot share one wake-up.
 */
export class TimerSlots<T> {
  private readonly slots = new Map<number, Set<T>>();
  private readonly slotOf = new Map<T, number>();
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly slotMs: number,
    private readonly fire: (item: T) => void,
    private readonly now: () => number = Date.now,
  ) {
    if (!(slotMs >= 1)) throw new RangeError(`slotMs must be at least 1, got ${slotMs}`);
  }

  /** Fires `item` once, at the first slot at or after `at`; replaces the time it had. */
  set(item: T, at: number): void {
    this.clear(item);
    const slot = Math.ceil(at / this.slotMs) * this.slotMs;
    let items = this.slots.get(slot);
    if (!items) {
      items = new Set();
      this.slots.set(slot, items);
      this.arm(slot);
    }
    items.add(item);
    this.slotOf.set(item, slot);
  }

  /** Forgets `item`'s time, if it had one. */
  clear(item: T): void {
    const slot = this.slotOf.get(item);
    if (slot === undefined) return;
    this.slotOf.delete(item);
    const items = this.slots.get(slot);
    items?.delete(item);
    if (items?.size === 0) this.drop(slot);
  }

  /** Forgets every time. */
  clearAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.slots.clear();
    this.slotOf.clear();
  }

  private arm(slot: number): void {
    this.timers.set(
      slot,
      setTimeout(() => this.due(slot), Math.max(0, slot - this.now())),
    );
  }

  private drop(slot: number): void {
    clearTimeout(this.timers.get(slot));
    this.timers.delete(slot);
    this.slots.delete(slot);
  }

  private due(slot: number): void {
    // libuv counts timers from the loop's cached clock: one may fire a little before Date.now()
    // reaches its time. Wait out the rest rather than fire early.
    if (this.now() < slot) return this.arm(slot);
    const items = this.slots.get(slot);
    this.timers.delete(slot);
    this.slots.delete(slot);
    if (!items) return;
    for (const item of items) this.slotOf.delete(item);
    for (const item of items) this.fire(item);
  }
}
