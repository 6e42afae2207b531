import { randomFillSync } from 'node:crypto';

/** What fills a buffer with cryptographically secure random bytes (Node's CSPRNG by default). */
export type RandomFill = (buffer: Buffer) => void;

/** One refill serves 256 session ids or 341 nonces. */
const POOL_BYTES = 4_096;
/** Larger draws (keys, secrets) are rare: they go to the generator directly. */
const MAX_POOLED_DRAW = 64;

/**
 * Cryptographically secure random bytes, drawn from a pool that the system's generator fills
 * 4 KiB at a time. Each `crypto.randomBytes` call is a trip through OpenSSL 3's generator that
 * costs 5–7 µs on an idle process here and 11–13 µs inside a busy service (bench/README.md,
 * "December, twenty-second"), whatever the size; a sign-in draws its id and a nonce per
 * encryption. Node's own `randomUUID()` pools the same way.
 *
 * Every draw is a fresh copy of bytes no other draw has had: the pool's bytes are handed out
 * once, in order, and refilled only when used up. Not shared between processes (a worker or
 * child process has its own module state and its own pool).
 */
export class SecureRandomPool {
  private readonly pool: Buffer;
  private offset: number;

  constructor(
    private readonly fill: RandomFill = (buffer) => void randomFillSync(buffer),
    poolBytes = POOL_BYTES,
  ) {
    this.pool = Buffer.alloc(poolBytes);
    this.offset = poolBytes;
  }

  bytes(size: number): Buffer {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`random byte count must be a whole number, got ${size}`);
    if (size > Math.min(MAX_POOLED_DRAW, this.pool.length)) {
      const direct = Buffer.alloc(size);
      this.fill(direct);
      return direct;
    }
    if (this.offset + size > this.pool.length) {
      this.fill(this.pool);
      this.offset = 0;
    }
    const drawn = Buffer.from(this.pool.subarray(this.offset, this.offset + size));
    this.offset += size;
    return drawn;
  }
}

const shared = new SecureRandomPool();

/** `size` cryptographically secure random bytes, as `crypto.randomBytes(size)`, from the process's pool. */
export function secureRandomBytes(size: number): Buffer {
  return shared.bytes(size);
}
