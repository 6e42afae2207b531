import { request } from 'undici';
import { Limiter } from './limiter';
import type { PollRecordLike } from './polls';

/** The counters of `GET /_sim/stats` the bench reads. */
export interface SimStatsLike {
  authorizations: number;
  polls: number;
  earlyPolls: number;
  afterTerminal: number;
  doubleRedemptions: number;
  grants: number;
  approvals: number;
  denials: number;
  peopleCalls: number;
  /** What the simulator answered: pending, slow_down, granted, denied, expired, … */
  pollsByOutcome: Record<string, number>;
  liveSessions: number;
}

function num(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number') throw new Error(`simulator stats: ${key} is not a number`);
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function toStats(body: unknown): SimStatsLike {
  if (!isRecord(body)) throw new Error('simulator stats: not an object');
  const byOutcome: Record<string, number> = {};
  if (isRecord(body.pollsByOutcome)) {
    for (const [k, v] of Object.entries(body.pollsByOutcome)) if (typeof v === 'number') byOutcome[k] = v;
  }
  return {
    authorizations: num(body, 'authorizations'),
    polls: num(body, 'polls'),
    earlyPolls: num(body, 'earlyPolls'),
    afterTerminal: num(body, 'afterTerminal'),
    doubleRedemptions: num(body, 'doubleRedemptions'),
    grants: num(body, 'grants'),
    approvals: num(body, 'approvals'),
    denials: num(body, 'denials'),
    peopleCalls: num(body, 'peopleCalls'),
    pollsByOutcome: byOutcome,
    liveSessions: num(body, 'liveSessions'),
  };
}

export function toPollRecords(body: unknown): PollRecordLike[] {
  if (!Array.isArray(body)) throw new Error('simulator polls: not an array');
  return body.map((r: unknown) => {
    if (!isRecord(r) || typeof r.at !== 'number' || typeof r.outcome !== 'string') throw new Error('simulator polls: bad record');
    return {
      userCode: typeof r.userCode === 'string' ? r.userCode : null,
      at: r.at,
      outcome: r.outcome,
      intervalS: typeof r.intervalS === 'number' ? r.intervalS : null,
      early: r.early === true,
      afterTerminal: r.afterTerminal === true,
    };
  });
}

export type SimAction = 'approve' | 'deny' | 'expire';

/** The simulator's control API (`/_sim/*`), on loopback, with at most a few calls in flight. */
export class SimClient {
  private readonly limiter = new Limiter(16);

  constructor(readonly base: string) {}

  /** The HTTP status of the action: 200 done, 409 no longer pending, 404 unknown code. */
  act(action: SimAction, userCode: string): Promise<number> {
    return this.limiter.run(async () => {
      const res = await request(`${this.base}/_sim/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userCode }),
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      await res.body.dump();
      return res.statusCode;
    });
  }

  async stats(): Promise<SimStatsLike> {
    return toStats(await this.getJson('/_sim/stats'));
  }

  async polls(): Promise<PollRecordLike[]> {
    return toPollRecords(await this.getJson('/_sim/polls'));
  }

  async reset(): Promise<void> {
    const res = await fetch(`${this.base}/_sim/reset`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`simulator reset answered ${res.status}`);
    await res.arrayBuffer();
  }

  private async getJson(path: string): Promise<unknown> {
    const res = await fetch(`${this.base}${path}`, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`simulator ${path} answered ${res.status}`);
    return res.json();
  }
}
