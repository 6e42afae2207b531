import type { Request, RequestHandler, Response } from 'express';
import { applyFault } from './fault.responder';
import { formString, isFormRequest, sameSecret } from './request-input';
import type { SimulatorCore } from './simulator.core';
import { RFC_DEFAULT_INTERVAL_S } from './simulator-settings';
import { sendWebexError } from './webex-error';

/** Webex's `/device/authorize` answer; `interval` is absent when the simulator omits it. */
export interface AuthorizeBody {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval?: number;
}

/** `POST /v1/device/authorize` (form: `client_id`, `scope`). */
export function authorizeRoute(core: SimulatorCore): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    const fault = await applyFault(core.faults, core.stats, 'authorize', res);
    if (fault.kind !== 'none') return;

    if (!isFormRequest(req)) {
      sendWebexError(res, 400, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
      return;
    }
    const clientId = formString(req.body, 'client_id');
    const scope = formString(req.body, 'scope')?.trim() ?? '';
    if (clientId === undefined || clientId === '') {
      sendWebexError(res, 400, 'invalid_request', 'client_id is required.');
      return;
    }
    if (!sameSecret(clientId, core.settings.clientId)) {
      sendWebexError(res, 400, 'invalid_client', 'The client_id is not a registered integration.');
      return;
    }
    if (scope === '') {
      sendWebexError(res, 400, 'invalid_scope', 'scope is required.');
      return;
    }
    res.status(200).json(authorize(core, clientId, scope));
  };
}

function authorize(core: SimulatorCore, clientId: string, scope: string): AuthorizeBody {
  const { settings } = core;
  // The interval a correct client will use: the one sent, or RFC 8628's
  // default when none is sent. Early polls are measured against it.
  const intervalS = settings.omitInterval ? RFC_DEFAULT_INTERVAL_S : settings.intervalS;
  const session = core.sessions.create({
    clientId,
    scope,
    now: core.now(),
    expiresInS: settings.expiresInS,
    intervalS,
  });
  core.stats.authorizations += 1;
  const body: AuthorizeBody = {
    device_code: session.deviceCode,
    user_code: session.userCode,
    verification_uri: core.verificationUri(),
    verification_uri_complete: core.verificationUriComplete(session.userCode),
    expires_in: settings.expiresInS,
  };
  if (!settings.omitInterval) body.interval = settings.intervalS;
  return body;
}
