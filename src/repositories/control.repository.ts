import type { RedisClient } from './redis-client';
import { RedisScript } from './redis-script';
import { z } from 'zod';

/** Signals every poller must act on at once, whichever process raised them. */
export type ControlMessage = { kind: 'pause'; until: number } | { kind: 'cancel'; id: string };

const messageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pause'), until: z.number() }),
  z.object({ kind: z.literal('cancel'), id: z.string().min(1).max(128) }),
]);

// Keeps the later of two pauses: two 429s in a row must not shorten the first one's wait.
// KEYS: pause key. ARGV: until (epoch ms), ttlMs, channel, message.
const PAUSE_SCRIPT = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`;

const PAUSE = new RedisScript<number>(PAUSE_SCRIPT, 1);

/**
 * A pause key in Redis (so a process that starts during a pause sees it) and a pub/sub channel (so
 * running pollers hear about pauses and cancellations without reading Redis before every poll).
 */
export class ControlRepository {
  private readonly pauseKey: string;
  private readonly channel: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.pauseKey = `${prefix}:pause`;
    this.channel = `${prefix}:control`;
  }

  async pause(until: number, now: number): Promise<void> {
    const message: ControlMessage = { kind: 'pause', until };
    await PAUSE.run(
      this.redis,
      [this.pauseKey],
      [String(Math.ceil(until)), String(Math.max(1, Math.ceil(until - now))), this.channel, JSON.stringify(message)],
    );
  }

  /** Epoch ms until which every call to the provider waits; 0 when there is no pause. */
  async pausedUntil(): Promise<number> {
    return Number((await this.redis.get(this.pauseKey)) ?? 0);
  }

  async cancel(id: string): Promise<void> {
    const message: ControlMessage = { kind: 'cancel', id };
    await this.redis.publish(this.channel, JSON.stringify(message));
  }

  /** Listens on `subscriber` (a connection of its own: subscribed clients run no other commands). */
  async listen(subscriber: RedisClient, onMessage: (message: ControlMessage) => void): Promise<void> {
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const parsed = messageSchema.safeParse(safeJson(text));
      if (parsed.success) onMessage(parsed.data);
    });
    await subscriber.subscribe(this.channel);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
