import type { Request, RequestHandler, Response } from 'express';
import { applyFault } from './fault.responder';
import { basicCredentials, formString, isFormRequest, sameSecret, type ClientCredentials } from './request-input';
import type { SimulatorCore } from './simulator.core';
import { sendWebexError } from './webex-error';

const REFUSAL_WORDING = {
  unknown: 'The refresh token is invalid or has been revoked.',
  expired: 'The refresh token has expired.',
  wrong_client: 'The refresh token was issued to another client.',
} as const;

/**
 * `POST /v1/access_token` with `grant_type=refresh_token`. Webex takes the
 * client credentials as form fields; HTTP Basic is accepted as well, as
 * RFC 6749 §2.3.1 allows.
 */
export function accessTokenRoute(core: SimulatorCore): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    const fault = await applyFault(core.faults, core.stats, 'refresh', res);
    if (fault.kind !== 'none') return;

    if (!isFormRequest(req)) {
      sendWebexError(res, 400, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
      return;
    }
    const client = clientCredentials(req);
    if (client === null || !validClient(core, client)) {
      sendWebexError(res, 401, 'invalid_client', 'Client authentication failed.');
      return;
    }
    if (formString(req.body, 'grant_type') !== 'refresh_token') {
      sendWebexError(res, 400, 'unsupported_grant_type', 'grant_type must be refresh_token.');
      return;
    }
    const refreshToken = formString(req.body, 'refresh_token');
    if (refreshToken === undefined || refreshToken === '') {
      sendWebexError(res, 400, 'invalid_request', 'refresh_token is required.');
      return;
    }
    refresh(core, res, refreshToken, client.clientId);
  };
}

function refresh(core: SimulatorCore, res: Response, refreshToken: string, clientId: string): void {
  const { settings } = core;
  const result = core.grants.refreshWith(refreshToken, clientId, core.now(), {
    accessTokenTtlS: settings.accessTokenTtlS,
    refreshTokenTtlS: settings.refreshTokenTtlS,
    rotate: settings.rotateRefreshToken,
  });
  core.recordRefresh({
    userCode: result.ok ? result.userCode : null,
    at: core.now(),
    outcome: result.ok ? 'ok' : 'invalid_grant',
  });
  if (!result.ok) {
    core.stats.refreshFailures += 1;
    sendWebexError(res, 400, 'invalid_grant', REFUSAL_WORDING[result.reason]);
    return;
  }
  core.stats.refreshes += 1;
  res.status(200).json(result.body);
}

function clientCredentials(req: Request): ClientCredentials | null {
  const clientId = formString(req.body, 'client_id');
  const clientSecret = formString(req.body, 'client_secret');
  if (clientId !== undefined && clientSecret !== undefined) return { clientId, clientSecret };
  return basicCredentials(req.get('authorization'));
}

function validClient(core: SimulatorCore, client: ClientCredentials): boolean {
  return sameSecret(client.clientId, core.settings.clientId) && sameSecret(client.clientSecret, core.settings.clientSecret);
}
