import type { Response } from 'express';
import type { Fault, FaultEndpoint, FaultPlan } from './fault.plan';
import type { SimStats } from './sim-stats';
import { sendWebexError } from './webex-error';

export type FaultResult =
  | { kind: 'none' }
  | { kind: 'answered'; status: number }
  /** The call was held and its client hung up: it must have no effect. */
  | { kind: 'abandoned' };

const FAULT_WORDING: Record<429 | 500 | 503, [string, string]> = {
  429: ['Too Many Requests', 'Rate limit exceeded. Retry after the time in Retry-After.'],
  500: ['Internal Server Error', 'The server encountered an unexpected condition.'],
  503: ['Service Unavailable', 'The service is temporarily unavailable.'],
};

function sendStatusFault(res: Response, fault: Extract<Fault, { kind: 'status' }>): void {
  if (fault.retryAfterS !== null) res.set('Retry-After', String(fault.retryAfterS));
  const [message, description] = FAULT_WORDING[fault.status];
  sendWebexError(res, fault.status, message, description);
}

/** Resolves true after `ms`, or false as soon as the client hangs up. */
function holdUnlessClosed(res: Response, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    // A held call must not keep a finished test process alive.
    timer.unref();
    res.once('close', onClose);
  });
}

/**
 * Runs the next injected fault for `target`, if any. A delayed call goes on
 * to be answered normally, unless its client gave up meanwhile: then it is
 * dropped, so a timed-out poll cannot silently consume an approved code.
 */
export async function applyFault(plan: FaultPlan, stats: SimStats, target: FaultEndpoint, res: Response): Promise<FaultResult> {
  const fault = plan.take(target);
  if (fault === null) return { kind: 'none' };
  stats.faultsInjected += 1;
  if (fault.kind === 'status') {
    sendStatusFault(res, fault);
    return { kind: 'answered', status: fault.status };
  }
  const stillThere = await holdUnlessClosed(res, fault.delayMs);
  return stillThere ? { kind: 'none' } : { kind: 'abandoned' };
}
