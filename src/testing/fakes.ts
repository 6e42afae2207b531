import { randomBytes } from 'node:crypto';
import { TokenAnswer } from '../device-flow/token-answer';
import { Profile, SessionView } from '../domain/session';
import { Shards } from '../domain/shards';
import { ClockRepository } from '../repositories/clock.repository';
import { CryptoRepository } from '../repositories/crypto.repository';
import { ControlMessage, ControlRepository } from '../repositories/control.repository';
import { JobRepository, QueueName } from '../repositories/job.repository';
import { LeaseRepository } from '../repositories/lease.repository';
import { LockRepository } from '../repositories/lock.repository';
import { MetricsRepository } from '../repositories/metrics.repository';
import { PushRepository } from '../repositories/push.repository';
import { RefreshScheduleRepository } from '../repositories/refresh-schedule.repository';
import { SessionRepository, StoredSession } from '../repositories/session.repository';
import {
  DeviceAuthorization,
  IdentityProvider,
  ProfileAnswer,
  ProviderDescription,
  RevokeOutcome,
} from '../repositories/identity-provider';
import { DeadlineService } from '../services/deadline.service';
import { PauseService } from '../services/pause.service';
import { PollService } from '../services/poll.service';
import { ProfileService } from '../services/profile.service';
import { SessionService } from '../services/session.service';
import { SessionStore } from '../services/session.store';
import { TokenService } from '../services/token.service';

/**
 * Stateful in-memory stand-ins for the repositories, for unit specs of the services: they behave
 * like the real ones (compare-and-set included) instead of counting calls.
 */
export class FakeSessionRepository {
  readonly rows = new Map<string, StoredSession>();

  /** `refreshes`: the schedule an update's `refreshAt` writes to, as the real update script does. */
  constructor(private readonly refreshes: FakeRefreshes) {}

  create(value: Omit<StoredSession, 'rev'>): Promise<void> {
    this.rows.set(value.record.id, structuredClone({ ...value, rev: 1 }));
    return Promise.resolve();
  }

  get(id: string): Promise<StoredSession | null> {
    const row = this.rows.get(id);
    return Promise.resolve(row ? structuredClone(row) : null);
  }

  getMany(ids: string[]): Promise<StoredSession[]> {
    return Promise.resolve(ids.flatMap((id) => (this.rows.has(id) ? [structuredClone(this.rows.get(id)!)] : [])));
  }

  async update(
    id: string,
    rev: number,
    value: Omit<StoredSession, 'rev'>,
    _ttlMs?: number,
    _indexUntil?: number | null,
    _durable?: boolean,
    refreshAt: number | null = null,
  ): Promise<'ok' | 'conflict' | 'missing'> {
    const row = this.rows.get(id);
    if (!row) return 'missing';
    if (row.rev !== rev) return 'conflict';
    this.rows.set(id, structuredClone({ ...value, rev: rev + 1 }));
    if (refreshAt !== null) await this.refreshes.schedule(id, refreshAt);
    return 'ok';
  }
}

/** The due set and the leases, in memory: what the API and the deadline job do to them. */
export class FakeLeases {
  readonly due = new Map<string, number>();
  readonly dropped: string[] = [];
  enqueue(id: string, dueAt: number): Promise<void> {
    this.due.set(id, dueAt);
    return Promise.resolve();
  }
  drop(id: string): Promise<void> {
    this.due.delete(id);
    this.dropped.push(id);
    return Promise.resolve();
  }
}

/** The pause key and the control channel, in memory. */
export class FakeControl {
  pausedUntilMs = 0;
  readonly messages: ControlMessage[] = [];
  pause(until: number): Promise<void> {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, until);
    this.messages.push({ kind: 'pause', until });
    return Promise.resolve();
  }
  pausedUntil(): Promise<number> {
    return Promise.resolve(this.pausedUntilMs);
  }
  cancel(id: string): Promise<void> {
    this.messages.push({ kind: 'cancel', id });
    return Promise.resolve();
  }
}

export class FakePush {
  readonly views: SessionView[] = [];
  readonly created: SessionView[] = [];
  sessionCreated(view: SessionView): void {
    this.created.push(structuredClone(view));
  }
  sessionChanged(view: SessionView): void {
    this.views.push(structuredClone(view));
  }
}

export class FakeClock extends ClockRepository {
  constructor(public time = Date.UTC(2026, 0, 1)) {
    super();
  }
  override now(): number {
    return this.time;
  }
  override random(): number {
    return 0.5;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** An identity provider, scripted: answers are taken in order; `onPoll` runs while a poll is "on the wire". */
export class FakeWebex extends IdentityProvider {
  description: ProviderDescription = { kind: 'webex', name: 'Webex' };
  readonly tokenAnswers: TokenAnswer[] = [];
  readonly refreshAnswers: TokenAnswer[] = [];
  readonly profileAnswers: ProfileAnswer[] = [];
  /** What revocation answers; Webex has no revocation endpoint. */
  revokeOutcome: RevokeOutcome = 'unsupported';
  readonly revoked: Array<{ token: string; hint: string }> = [];
  polls = 0;
  onPoll: (() => Promise<void>) | null = null;
  authorization: DeviceAuthorization = {
    deviceCode: 'DEVICE-CODE-SECRET',
    userCode: 'ABCD2345',
    verificationUri: 'https://example.test/verify',
    verificationUriComplete: 'https://example.test/verify?userCode=ABCD2345',
    expiresInS: 300,
    intervalS: 2,
  };

  authorize(): Promise<DeviceAuthorization> {
    return Promise.resolve(this.authorization);
  }

  async pollToken(): Promise<TokenAnswer> {
    this.polls += 1;
    if (this.onPoll) await this.onPoll();
    return this.tokenAnswers.shift() ?? { kind: 'pending' };
  }
  refresh(): Promise<TokenAnswer> {
    return Promise.resolve(
      this.refreshAnswers.shift() ?? { kind: 'transient', reason: 'network', status: null, description: 'no script' },
    );
  }
  getProfile(_accessToken?: string): Promise<ProfileAnswer> {
    return Promise.resolve(this.profileAnswers.shift() ?? { kind: 'ok', profile: PERSON });
  }
  revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<RevokeOutcome> {
    if (this.revokeOutcome !== 'unsupported') this.revoked.push({ token, hint });
    return Promise.resolve(this.revokeOutcome);
  }
}

export class FakeJobs {
  readonly scheduled: Array<{ queue: QueueName; id: string; at: number }> = [];
  readonly cancelled: Array<{ queue: QueueName; id: string }> = [];
  schedule(queue: QueueName, id: string, at: number): Promise<void> {
    this.scheduled.push({ queue, id, at });
    return Promise.resolve();
  }
  cancel(queue: QueueName, id: string): Promise<void> {
    this.cancelled.push({ queue, id });
    return Promise.resolve();
  }
  pauseAll(): Promise<void> {
    return Promise.resolve();
  }
}

/** The refresh schedule, in memory: when each session's next refresh is due. */
export class FakeRefreshes {
  readonly due = new Map<string, number>();
  /** Every `schedule` call, in order. */
  readonly scheduled: Array<{ id: string; at: number }> = [];
  readonly cancelled: string[] = [];
  schedule(id: string, at: number): Promise<void> {
    this.due.set(id, at);
    this.scheduled.push({ id, at });
    return Promise.resolve();
  }
  scheduleIfAbsent(id: string, at: number): Promise<void> {
    return this.due.has(id) ? Promise.resolve() : this.schedule(id, at);
  }
  cancel(id: string): Promise<void> {
    this.due.delete(id);
    this.cancelled.push(id);
    return Promise.resolve();
  }
}

export class FakeLocks {
  private readonly held = new Set<string>();
  tryAcquire(name: string): Promise<(() => Promise<void>) | null> {
    if (this.held.has(name)) return Promise.resolve(null);
    this.held.add(name);
    return Promise.resolve(() => {
      this.held.delete(name);
      return Promise.resolve();
    });
  }
}

export const PERSON: Profile = {
  id: 'person-1',
  displayName: 'Ada Lovelace',
  emails: ['ada@example.com'],
  avatar: null,
  orgId: null,
};

/** The fakes typed as what the services inject (they match structurally, minus private fields). */
export function fakeRepositories(clock = new FakeClock()) {
  const refreshes = new FakeRefreshes();
  const sessions = new FakeSessionRepository(refreshes);
  const push = new FakePush();
  const webex = new FakeWebex();
  const jobs = new FakeJobs();
  const locks = new FakeLocks();
  const leases = new FakeLeases();
  const control = new FakeControl();
  return {
    clock,
    sessions,
    push,
    webex,
    jobs,
    refreshes,
    locks,
    leases,
    control,
    crypto: new CryptoRepository([randomBytes(32)]),
    metrics: new MetricsRepository(),
    as: {
      sessions: sessions as unknown as SessionRepository,
      push: push as unknown as PushRepository,
      webex: webex as IdentityProvider,
      jobs: jobs as unknown as JobRepository,
      refreshes: refreshes as unknown as RefreshScheduleRepository,
      locks: locks as unknown as LockRepository,
      leases: leases as unknown as LeaseRepository,
      control: control as unknown as ControlRepository,
    },
  };
}

/**
 * The sign-in services wired over the fakes, as the module wires them over Redis and the provider.
 * Pass `f` to configure the fakes first (another provider, say).
 */
export function fakeServices(f = fakeRepositories()) {
  const store = new SessionStore(f.as.sessions, f.crypto, f.as.push, f.metrics);
  const pauses = new PauseService(f.as.control, f.as.jobs, f.clock);
  const tokens = new TokenService(store, f.as.webex, f.crypto, f.as.refreshes, pauses, f.as.locks, f.clock, f.metrics);
  const profiles = new ProfileService(store, f.as.webex, tokens, f.clock, f.metrics);
  const polls = new PollService(store, f.as.webex, f.crypto, tokens, profiles, f.clock, f.metrics);
  const deadlines = new DeadlineService(store, f.as.leases, f.as.control, f.clock);
  const api = new SessionService(
    store,
    f.as.webex,
    f.crypto,
    f.as.jobs,
    f.as.leases,
    f.as.refreshes,
    pauses,
    deadlines,
    f.clock,
    f.metrics,
    new Shards('kiosk', 1),
  );
  return { ...f, store, pauses, tokens, profiles, polls, deadlines, api };
}
