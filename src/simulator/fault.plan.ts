import { z } from 'zod';

export const FAULT_ENDPOINTS = ['token', 'authorize', 'refresh', 'people'] as const;
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number];

const endpoint = z.enum(FAULT_ENDPOINTS);
const count = z.number().int().min(1).max(1_000_000);

/**
 * `POST /_sim/faults`: either the next `count` calls answer `status`, or they
 * hang for `delayMs` first. For 429, `retryAfterS` defaults to 1; `null`
 * leaves the `Retry-After` header out (a client must cope with that too).
 */
export const faultRequestSchema = z.union([
  z
    .object({
      endpoint,
      status: z.union([z.literal(429), z.literal(500), z.literal(503)]),
      count,
      retryAfterS: z.number().int().min(0).max(86_400).nullable().optional(),
    })
    .strict(),
  z.object({ endpoint, delayMs: z.number().int().min(1).max(600_000), count }).strict(),
]);

export type FaultRequest = z.infer<typeof faultRequestSchema>;

export type Fault = { kind: 'status'; status: 429 | 500 | 503; retryAfterS: number | null } | { kind: 'delay'; delayMs: number };

interface QueuedFault {
  readonly fault: Fault;
  remaining: number;
}

export interface FaultView {
  endpoint: FaultEndpoint;
  fault: Fault;
  remaining: number;
}

function toFault(request: FaultRequest): Fault {
  if ('delayMs' in request) return { kind: 'delay', delayMs: request.delayMs };
  const fallback = request.status === 429 ? 1 : null;
  const retryAfterS = request.retryAfterS === undefined ? fallback : request.retryAfterS;
  return { kind: 'status', status: request.status, retryAfterS };
}

/**
 * Faults queued per endpoint and used up in order, so a test can script
 * "two 503s, then a 429" with two requests.
 */
export class FaultPlan {
  private readonly queues = new Map<FaultEndpoint, QueuedFault[]>();

  add(request: FaultRequest): void {
    const queue = this.queues.get(request.endpoint) ?? [];
    queue.push({ fault: toFault(request), remaining: request.count });
    this.queues.set(request.endpoint, queue);
  }

  /** The fault for this call, if any; spends one use of it. */
  take(target: FaultEndpoint): Fault | null {
    const queue = this.queues.get(target);
    const head = queue?.[0];
    if (queue === undefined || head === undefined) return null;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  }

  list(): FaultView[] {
    const views: FaultView[] = [];
    for (const [target, queue] of this.queues) {
      for (const item of queue) {
        views.push({ endpoint: target, fault: item.fault, remaining: item.remaining });
      }
    }
    return views;
  }

  clear(): void {
    this.queues.clear();
  }
}
