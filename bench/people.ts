/** The simulated people: what each one decides, and when. Pure and seeded, so runs are repeatable. */

export type Decision = 'approve' | 'deny' | 'expire';

/** mulberry32: a small, fast, seedable PRNG; plenty for spreading decisions. Returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PersonPlan {
  decision: Decision;
  /** From the kiosk showing the code to the decision reaching Webex, ms. */
  thinkMs: number;
}

export function planPerson(
  random: () => number,
  opts: { thinkMinS: number; thinkMaxS: number; denyShare: number; expireShare: number },
): PersonPlan {
  const r = random();
  const decision: Decision = r < opts.denyShare ? 'deny' : r < opts.denyShare + opts.expireShare ? 'expire' : 'approve';
  const thinkMs = Math.round((opts.thinkMinS + random() * (opts.thinkMaxS - opts.thinkMinS)) * 1000);
  return { decision, thinkMs };
}

/** The status a kiosk must finally be pushed for each decision. */
export function expectedStatus(decision: Decision): 'authorized' | 'denied' | 'expired' {
  return decision === 'approve' ? 'authorized' : decision === 'deny' ? 'denied' : 'expired';
}

/** Idle kiosks, picked at random in O(1) (swap-remove). */
export class IdlePool {
  private readonly items: number[];

  constructor(
    size: number,
    private readonly random: () => number,
  ) {
    this.items = Array.from({ length: size }, (_, i) => i);
  }

  get size(): number {
    return this.items.length;
  }

  take(): number | undefined {
    if (this.items.length === 0) return undefined;
    const i = Math.floor(this.random() * this.items.length);
    const picked = this.items[i];
    this.items[i] = this.items[this.items.length - 1];
    this.items.pop();
    return picked;
  }

  give(kiosk: number): void {
    this.items.push(kiosk);
  }
}
