import { afterAll, beforeAll } from 'vitest';
import { KioskSocket } from './kiosk-socket';
import { Service, Simulator, startRedis, startService, startSimulator, TestRedis } from './processes';

/** What most integration files need: a private Redis, the simulator, one service, one kiosk socket. */
export interface Stack {
  redis: TestRedis;
  sim: Simulator;
  service: Service;
  kiosk: KioskSocket;
}

/**
 * Starts the stack before the file's tests and stops it after them. The returned object is filled
 * in by `beforeAll`, so read its fields inside tests, not at module level.
 */
export function useStack(opts: { sim?: Record<string, string>; env?: Record<string, string> } = {}): Stack {
  const stack = {} as Stack;
  beforeAll(async () => {
    stack.redis = await startRedis();
    stack.sim = await startSimulator(opts.sim);
    stack.service = await startService({ redisUrl: stack.redis.url, simulatorUrl: stack.sim.url, env: opts.env });
    stack.kiosk = await KioskSocket.connect(stack.service.url);
  });
  afterAll(async () => {
    stack.kiosk?.close();
    await stack.service?.stop();
    await stack.sim?.stop();
    stack.redis?.stop();
  });
  return stack;
}
