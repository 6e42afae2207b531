/** What one `/device/token` call came to. */
export const POLL_OUTCOMES = [
  'pending',
  'slow_down',
  'expired',
  'denied',
  'granted',
  'invalid_grant',
  'invalid_request',
  'unsupported_grant_type',
  'unauthorized',
  'rate_limited',
  'server_error',
  /** A delayed (fault-injected) call whose client hung up first: nothing was done. */
  'abandoned',
] as const;

export type PollOutcome = (typeof POLL_OUTCOMES)[number];

export interface PollRecord {
  /** `null` when the device code was unknown. */
  userCode: string | null;
  /** Epoch ms when the call arrived. */
  at: number;
  /** HTTP status answered; 0 for `abandoned`. */
  status: number;
  outcome: PollOutcome;
  /** Sooner than the interval in force after the previous poll (or the authorize answer). */
  early: boolean;
  /** After this code had already been given a final answer. */
  afterTerminal: boolean;
  /** The interval in force when the call arrived, `null` for unknown codes. */
  intervalS: number | null;
}

/**
 * Every poll, in a bounded ring: the load benchmark makes millions of calls,
 * and the exact counts live in the stats anyway. The ring keeps the newest.
 */
export class PollLog {
  private records: PollRecord[] = [];
  private head = 0;

  constructor(private readonly capacity: number) {}

  add(record: PollRecord): void {
    if (this.records.length < this.capacity) {
      this.records.push(record);
      return;
    }
    this.records[this.head] = record;
    this.head = (this.head + 1) % this.capacity;
  }

  /** Oldest first; copies, so callers cannot rewrite history. */
  list(filter?: { userCode?: string }): PollRecord[] {
    const ordered = this.records.slice(this.head).concat(this.records.slice(0, this.head));
    const wanted = filter?.userCode;
    const kept = wanted === undefined ? ordered : ordered.filter((r) => r.userCode === wanted);
    return kept.map((record) => ({ ...record }));
  }

  clear(): void {
    this.records = [];
    this.head = 0;
  }
}
