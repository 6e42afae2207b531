import type { Request, RequestHandler, Response } from 'express';
import { applyFault } from './fault.responder';
import { bearerToken } from './request-input';
import type { SimulatorCore } from './simulator.core';
import { INVALID_ACCESS_TOKEN_MESSAGE, sendWebexError } from './webex-error';

/** `GET /v1/people/me` with `Authorization: Bearer <access token>`. */
export function peopleMeRoute(core: SimulatorCore): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    const fault = await applyFault(core.faults, core.stats, 'people', res);
    if (fault.kind !== 'none') return;

    core.stats.peopleCalls += 1;
    const token = bearerToken(req.get('authorization'));
    const person = token === null ? null : core.grants.personFor(token, core.now());
    if (person === null) {
      // Webex repeats its one sentence in both places.
      sendWebexError(res, 401, INVALID_ACCESS_TOKEN_MESSAGE, INVALID_ACCESS_TOKEN_MESSAGE);
      return;
    }
    res.status(200).json(person);
  };
}
