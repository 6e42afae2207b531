import { randomBytes } from 'node:crypto';
import type { RedisClient } from './redis-client';
import { RedisScript } from './redis-script';

/**
 * Open Socket.IO connections per client address, counted across every API process: one sorted set
 * per address whose members are leases (`<process>:<socket>`) scored by expiry. A process renews
 * its leases while the sockets live and drops them on disconnect; a process that dies takes its
 * leases with it when they expire, so a crash never locks an address out for good.
 */
const ACQUIRE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

export const LEASE_MS = 60_000;
const RENEW_EVERY_MS = LEASE_MS / 3;

const ACQUIRE = new RedisScript<number>(ACQUIRE_SCRIPT, 1);

export class SocketLeaseRepository {
  private readonly processId = randomBytes(6).toString('base64url');
  /** address → socket ids holding a lease from this process. */
  private readonly held = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Takes a lease for `socketId`, unless `address` already holds `max`. */
  async acquire(address: string, socketId: string, max: number): Promise<boolean> {
    const now = Date.now();
    const ok = await ACQUIRE.run(
      this.redis,
      [this.key(address)],
      [String(now), String(max), String(now + LEASE_MS), this.member(socketId), String(LEASE_MS * 2)],
    );
    if (ok !== 1) return false;
    let set = this.held.get(address);
    if (!set) this.held.set(address, (set = new Set()));
    set.add(socketId);
    this.startRenewing();
    return true;
  }

  async release(address: string, socketId: string): Promise<void> {
    const set = this.held.get(address);
    if (!set?.delete(socketId)) return;
    if (set.size === 0) this.held.delete(address);
    await this.redis.zrem(this.key(address), this.member(socketId));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private startRenewing(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew().catch(() => undefined), RENEW_EVERY_MS);
    this.timer.unref();
  }

  /** One ZADD per address (all of its sockets at once) per round. */
  private async renew(): Promise<void> {
    const until = String(Date.now() + LEASE_MS);
    const pipeline = this.redis.pipeline();
    for (const [address, sockets] of this.held) {
      const args = [...sockets].flatMap((id) => [until, this.member(id)]);
      pipeline.zadd(this.key(address), ...args);
      pipeline.pexpire(this.key(address), LEASE_MS * 2);
    }
    await pipeline.exec();
  }

  private key(address: string): string {
    return `${this.prefix}:sockets:${address}`;
  }

  private member(socketId: string): string {
    return `${this.processId}:${socketId}`;
  }
}
