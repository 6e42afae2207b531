import { Injectable } from '@nestjs/common';
import { SessionStatus, SessionView, SESSION_STATUSES, toView } from '../domain/session';
import { LeaseRepository } from '../repositories/lease.repository';
import { SessionRepository } from '../repositories/session.repository';
import { SessionStore } from './session.store';

export interface FleetSnapshot {
  sessions: SessionView[];
  counts: Record<SessionStatus, number>;
  generatedAt: string;
}

/** How many sessions the fleet view loads at once; the newest first. */
const SNAPSHOT_LIMIT = 2_000;

@Injectable()
export class FleetService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly leases: LeaseRepository,
    private readonly store: SessionStore,
  ) {}

  async snapshot(): Promise<FleetSnapshot> {
    // Pending first, then the rest: a sign-in leaves the pollers' sets only after its final state is
    // in the live index, so read in this order it shows in one list or the other, never in neither.
    const pending = await this.leases.pendingIds(SNAPSHOT_LIMIT);
    const others = await this.sessions.listLiveIds(SNAPSHOT_LIMIT);
    const ids = [...new Set([...pending, ...others])].slice(0, SNAPSHOT_LIMIT);
    const views = (await this.store.getMany(ids)).map(toView);
    const counts = Object.fromEntries(SESSION_STATUSES.map((s) => [s, 0])) as Record<SessionStatus, number>;
    for (const view of views) counts[view.status] += 1;
    return { sessions: views, counts, generatedAt: new Date().toISOString() };
  }
}
