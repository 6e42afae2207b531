import { Logger } from '@nestjs/common';
import type { RedisClient } from './redis-client';

/**
 * - `replicated`: enough replicas acknowledged the write (and every earlier one of the connection).
 * - `unreplicated`: they did not within the timeout; the write is on the master only.
 * - `skipped`: replicas were missing at the last try, so this write did not wait (see `confirm`).
 */
export type ReplicationOutcome = 'replicated' | 'unreplicated' | 'skipped';

/**
 * The connection dropped between a write and its confirmation: the master may have died with the
 * write, or a replica may have been promoted with it. Callers treat it like Redis being away and
 * decide again from what is stored once Redis answers (every session change is a compare-and-set).
 */
export class ReplicationUnconfirmedError extends Error {
  constructor() {
    super('The connection to Redis dropped before a replica confirmed a write');
    this.name = 'ReplicationUnconfirmedError';
  }
}

export interface ReplicationSettings {
  replicas: number;
  timeoutMs: number;
}

/** Taken before a write is sent: which `WAIT`s were sent before it (and so do not cover it). */
export type ReplicationTicket = number;

/** While replicas are missing, ask the master (`ROLE`, which does not block) this often whether they are back. */
const PROBE_EVERY_MS = 2_000;

/**
 * `WAIT` after the writes a failover must not undo (tokens, final statuses; see `SessionStore`).
 * Redis replicates asynchronously: a master that dies right after answering a write may take it
 * along, and the replica promoted in its place never saw it. Waiting until a replica acknowledged
 * the write narrows that to writes whose acknowledgement timed out.
 *
 * `WAIT` must run on the connection that wrote, and holds that connection (the process's shared
 * command connection) until it is answered. So one `WAIT` covers every write sent before it, at most
 * one blocks at a time (writes confirmed meanwhile share the next), and while no replica answers
 * (one is down, or was just promoted and has none of its own yet) writes stop waiting until `ROLE`
 * shows replicas again, rather than each costing the full timeout.
 */
export class ReplicationRepository {
  private readonly logger = new Logger(ReplicationRepository.name);
  /** Counts the connection's drops: a `WAIT` answered on a newer connection says nothing of an older write. */
  private generation = 0;
  private issued = 0;
  private last: { index: number; result: Promise<number> } | null = null;
  private blocking: Promise<number> | null = null;
  private queued: Promise<number> | null = null;
  private degraded = false;
  private lastProbe = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly settings: ReplicationSettings,
    private readonly observe: (outcome: ReplicationOutcome | 'unconfirmed', seconds: number) => void = () => undefined,
  ) {
    redis.on('close', () => this.generation++);
  }

  /** Call right before sending a write that `confirm` will confirm. */
  ticket(): ReplicationTicket {
    return this.issued;
  }

  /**
   * Call once the write (sent after `ticket`) was answered. Resolves how it went: a replica that is
   * slow or gone does not fail the write, which stands on the master. Throws
   * `ReplicationUnconfirmedError` when the connection dropped before the replicas answered.
   */
  async confirm(ticket: ReplicationTicket): Promise<ReplicationOutcome> {
    const started = performance.now();
    const generation = this.generation;
    const seconds = () => (performance.now() - started) / 1000;
    if (this.degraded) {
      this.probe();
      this.observe('skipped', 0);
      return 'skipped';
    }
    let acknowledged = 0;
    try {
      acknowledged = await this.waitAfter(ticket);
    } catch {
      // The connection dropped (below), or the answer timed out while Redis stalled: not confirmed.
    }
    if (this.generation !== generation) {
      this.observe('unconfirmed', seconds());
      throw new ReplicationUnconfirmedError();
    }
    if (acknowledged >= this.settings.replicas) {
      this.observe('replicated', seconds());
      return 'replicated';
    }
    this.observe('unreplicated', seconds());
    this.degrade(acknowledged);
    return 'unreplicated';
  }

  /** A `WAIT` sent after the write of `ticket`: the last one if it was, else the next one. */
  private waitAfter(ticket: ReplicationTicket): Promise<number> {
    if (this.last && this.last.index > ticket) return this.last.result;
    if (!this.blocking) return this.issue();
    this.queued ??= this.blocking.then(
      () => this.issueQueued(),
      () => this.issueQueued(),
    );
    return this.queued;
  }

  private issueQueued(): Promise<number> {
    this.queued = null;
    return this.issue();
  }

  private issue(): Promise<number> {
    const result = this.redis.wait(this.settings.replicas, this.settings.timeoutMs);
    this.last = { index: ++this.issued, result };
    this.blocking = result;
    const done = () => {
      if (this.blocking === result) this.blocking = null;
    };
    result.then(done, done);
    return result;
  }

  private degrade(acknowledged: number): void {
    if (this.degraded) return;
    this.degraded = true;
    this.lastProbe = Date.now();
    this.logger.warn(
      { replicas: this.settings.replicas, acknowledged, timeoutMs: this.settings.timeoutMs },
      'Redis replicas did not acknowledge a write; writes go on without waiting until they are back',
    );
  }

  /** At most every PROBE_EVERY_MS, in the background: are enough replicas online again? */
  private probe(): void {
    const now = Date.now();
    if (now - this.lastProbe < PROBE_EVERY_MS) return;
    this.lastProbe = now;
    this.redis
      .call('ROLE')
      .then((role) => {
        // A master answers ["master", offset, [[ip, port, offset], …]], listing the replicas online.
        const replicas = Array.isArray(role) && role[0] === 'master' && Array.isArray(role[2]) ? role[2].length : 0;
        if (replicas < this.settings.replicas || !this.degraded) return;
        this.degraded = false;
        this.logger.log({ replicas }, 'Redis replicas are back; writes that matter wait for them again');
      })
      .catch(() => undefined); // Redis away: the next write that matters probes again
  }
}
