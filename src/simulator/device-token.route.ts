import type { Request, RequestHandler, Response } from 'express';
import { applyFault } from './fault.responder';
import type { PollOutcome, PollRecord } from './poll.log';
import { basicCredentials, formString, isFormRequest, sameSecret } from './request-input';
import { sessionState, type SimSession } from './sim-session';
import { countPoll } from './sim-stats';
import type { SimulatorCore } from './simulator.core';
import { SLOW_DOWN_STEP_S } from './simulator-settings';
import { sendWebexError } from './webex-error';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

interface Answer {
  status: number;
  outcome: PollOutcome;
}

type Timing = Pick<PollRecord, 'early' | 'afterTerminal' | 'intervalS'>;

/**
 * `POST /v1/device/token`. Every call is recorded with its arrival time, so
 * tests can check the client's pacing independently of what was answered.
 */
export function tokenRoute(core: SimulatorCore): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    const arrivedAt = core.now();
    const deviceCode = formString(req.body, 'device_code');
    const session = deviceCode === undefined ? undefined : core.sessions.byDevice(deviceCode);
    const timing = notePoll(session, arrivedAt);
    const answer = await answerPoll(core, req, res, session, timing.early);
    const record: PollRecord = {
      userCode: session?.userCode ?? null,
      at: arrivedAt,
      ...answer,
      ...timing,
    };
    core.polls.add(record);
    countPoll(core.stats, record);
  };
}

/** Early = sooner than the interval in force after the previous poll (or the authorize answer). */
function notePoll(session: SimSession | undefined, at: number): Timing {
  if (session === undefined) return { early: false, afterTerminal: false, intervalS: null };
  const timing: Timing = {
    early: at - session.lastPollAt < session.intervalS * 1000,
    afterTerminal: session.terminalAnsweredAt !== null,
    intervalS: session.intervalS,
  };
  session.lastPollAt = at;
  session.pollCount += 1;
  return timing;
}

async function answerPoll(
  core: SimulatorCore,
  req: Request,
  res: Response,
  session: SimSession | undefined,
  early: boolean,
): Promise<Answer> {
  // Faults come first: a real outage or rate limit hits before any OAuth logic.
  const fault = await applyFault(core.faults, core.stats, 'token', res);
  if (fault.kind === 'abandoned') return { status: 0, outcome: 'abandoned' };
  if (fault.kind === 'answered') {
    return { status: fault.status, outcome: fault.status === 429 ? 'rate_limited' : 'server_error' };
  }
  const client = checkRequest(core, req, res);
  if (typeof client !== 'string') return client;
  if (session === undefined || session.clientId !== client) {
    sendWebexError(res, 400, 'invalid_grant', 'The device code is invalid.');
    return { status: 400, outcome: 'invalid_grant' };
  }
  return evaluate(core, res, session, early);
}

/** The authenticated client id, or the refusal already sent for a malformed request. */
function checkRequest(core: SimulatorCore, req: Request, res: Response): string | Answer {
  const client = authenticate(core, req);
  if (client === null) {
    res.set('WWW-Authenticate', 'Basic realm="webexapis"');
    sendWebexError(res, 401, 'invalid_client', 'Client authentication failed.');
    return { status: 401, outcome: 'unauthorized' };
  }
  if (!isFormRequest(req)) {
    sendWebexError(res, 400, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
    return { status: 400, outcome: 'invalid_request' };
  }
  if (formString(req.body, 'grant_type') !== DEVICE_CODE_GRANT) {
    sendWebexError(res, 400, 'unsupported_grant_type', `grant_type must be ${DEVICE_CODE_GRANT}.`);
    return { status: 400, outcome: 'unsupported_grant_type' };
  }
  if (formString(req.body, 'device_code') === undefined) {
    sendWebexError(res, 400, 'invalid_request', 'device_code is required.');
    return { status: 400, outcome: 'invalid_request' };
  }
  return client;
}

/**
 * The client id, when HTTP Basic carries the registered credentials and a
 * `client_id` form field, if sent, agrees with them.
 */
function authenticate(core: SimulatorCore, req: Request): string | null {
  const credentials = basicCredentials(req.get('authorization'));
  if (credentials === null) return null;
  const { clientId, clientSecret } = core.settings;
  if (!sameSecret(credentials.clientId, clientId)) return null;
  if (!sameSecret(credentials.clientSecret, clientSecret)) return null;
  const formClient = formString(req.body, 'client_id');
  if (formClient !== undefined && formClient !== credentials.clientId) return null;
  return credentials.clientId;
}

function evaluate(core: SimulatorCore, res: Response, session: SimSession, early: boolean): Answer {
  const now = core.now();
  switch (sessionState(session, now)) {
    case 'redeemed':
      core.stats.doubleRedemptions += 1;
      sendWebexError(res, 400, 'invalid_grant', 'The device code has already been used.');
      return { status: 400, outcome: 'invalid_grant' };
    case 'denied':
      session.terminalAnsweredAt ??= now;
      sendWebexError(res, 400, 'access_denied', 'The user declined the authorization request.');
      return { status: 400, outcome: 'denied' };
    case 'expired':
      session.terminalAnsweredAt ??= now;
      sendWebexError(res, 400, 'expired_token', 'The device code has expired.');
      return { status: 400, outcome: 'expired' };
    case 'approved':
      return redeem(core, res, session, now);
    case 'pending':
      return pending(core, res, session, early);
  }
}

function redeem(core: SimulatorCore, res: Response, session: SimSession, now: number): Answer {
  session.redeemedAt = now;
  session.terminalAnsweredAt ??= now;
  // An approved session always has its person (set by approve()).
  const person = session.person;
  if (person === null) throw new Error('approved session without a person');
  const body = core.grants.issue(
    { userCode: session.userCode, clientId: session.clientId, scope: session.scope, person },
    now,
    core.settings,
  );
  core.stats.grants += 1;
  res.status(200).json(body);
  return { status: 200, outcome: 'granted' };
}

/**
 * RFC 8628 §3.5: `slow_down` is a variant of `authorization_pending`, so it is
 * only ever answered while the code is still pending.
 */
function pending(core: SimulatorCore, res: Response, session: SimSession, early: boolean): Answer {
  const requested = session.slowDownsRequested > 0;
  if (requested || (early && core.settings.enforceInterval)) {
    if (requested) session.slowDownsRequested -= 1;
    session.intervalS += SLOW_DOWN_STEP_S;
    sendWebexError(res, 400, 'slow_down', `Polling too frequently. Wait at least ${session.intervalS} seconds between requests.`);
    return { status: 400, outcome: 'slow_down' };
  }
  sendWebexError(res, 428, 'authorization_pending', 'The user has not yet approved the request.');
  return { status: 428, outcome: 'pending' };
}
