import { secureRandomBytes } from '../repositories/secure-random';

/**
 * How sessions spread over Redis: every key of a sign-in (its session, its lease, its queue jobs)
 * carries its shard's hash tag, so one sign-in's work is one Redis Cluster slot and the shards spread
 * over the primaries. With one shard (the default) there is a single tag, `{kiosk}`, as there always
 * was; keys that are not per sign-in (kiosks, limits, pollers' control channel) stay under it whatever
 * the number of shards.
 *
 * A session's shard is part of its id (`"<shard>.<random>"`), so any process finds its keys without
 * a lookup. With one shard ids carry no shard at all.
 */
export class Shards {
  /** The tag of the keys that are not per sign-in. */
  readonly global: string;
  /** 0 … count-1. */
  readonly all: readonly number[];

  constructor(
    private readonly prefix: string,
    readonly count: number,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new Error(`shard count must be a positive integer, got ${count}`);
    this.global = `{${prefix}}`;
    this.all = Array.from({ length: count }, (_, i) => i);
  }

  /** The hash-tagged key prefix of a shard. */
  tag(shard: number): string {
    return this.count === 1 ? this.global : `{${this.prefix}-${shard}}`;
  }

  /** The shard of a session id (0 for ids without one; an id naming a shard out of range is refused). */
  of(id: string): number {
    if (this.count === 1) return 0;
    const dot = id.indexOf('.');
    const shard = dot > 0 ? Number(id.slice(0, dot)) : NaN;
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.count) throw new UnknownShardError(id);
    return shard;
  }

  /** The tag of a session's keys. */
  tagOf(id: string): string {
    return this.tag(this.of(id));
  }

  /** True when `id` names a shard of this deployment (ids are validated before any key is built). */
  owns(id: string): boolean {
    try {
      this.of(id);
      return this.count > 1 ? id.includes('.') : !id.includes('.');
    } catch {
      return false;
    }
  }

  /** A new session id: 128 random bits, on a shard picked at random (sign-ins spread evenly). */
  newId(): string {
    const random = secureRandomBytes(16);
    const id = random.toString('base64url');
    return this.count === 1 ? id : `${random.readUInt32BE(0) % this.count}.${id}`;
  }

  /** `items` grouped by the shard of the id `idOf` gives: the unit of a pipeline or a script on a Cluster. */
  group<T>(items: Iterable<T>, idOf: (item: T) => string): Map<number, T[]> {
    const groups = new Map<number, T[]>();
    for (const item of items) {
      const shard = this.of(idOf(item));
      const group = groups.get(shard);
      if (group) group.push(item);
      else groups.set(shard, [item]);
    }
    return groups;
  }
}

/** Session ids as the API accepts them: an optional shard, then at least 128 url-safe random bits. */
export const SESSION_ID_PATTERN = /^(?:\d{1,3}\.)?[A-Za-z0-9_-]{16,64}$/;

export class UnknownShardError extends Error {
  constructor(id: string) {
    super(`session id "${id.slice(0, 80)}" names no shard of this deployment`);
    this.name = 'UnknownShardError';
  }
}
