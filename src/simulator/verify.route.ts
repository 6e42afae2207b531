import { Router, urlencoded, type Request, type Response } from 'express';
import { formString, queryString } from './request-input';
import { randomDisplayName } from './sim-person';
import { sessionState } from './sim-session';
import type { SimulatorCore } from './simulator.core';
import { renderCodeEntry, renderConsent, renderResult } from './verify.page';

const UNKNOWN_CODE = 'That code is unknown or expired.';

/** `GET /verify[?userCode=]` and `POST /verify`: the approval pages people open on their phone. */
export function verifyRouter(core: SimulatorCore): Router {
  const router = Router();
  router.get('/verify', (req, res) => showVerify(core, req, res));
  router.post('/verify', urlencoded({ extended: false, limit: '8kb' }), (req, res) => decide(core, req, res));
  return router;
}

function sendHtml(res: Response, status: number, html: string): void {
  // The page carries a live code: keep it out of shared caches and history.
  res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
}

function showVerify(core: SimulatorCore, req: Request, res: Response): void {
  const typed = queryString(req.query, 'userCode')?.trim() ?? '';
  if (typed === '') {
    sendHtml(res, 200, renderCodeEntry());
    return;
  }
  const session = core.findSession(typed);
  if (session === undefined || sessionState(session, core.now()) !== 'pending') {
    sendHtml(res, 404, renderCodeEntry(UNKNOWN_CODE));
    return;
  }
  sendHtml(res, 200, renderConsent(session.userCode, randomDisplayName()));
}

function decide(core: SimulatorCore, req: Request, res: Response): void {
  const userCode = formString(req.body, 'userCode') ?? '';
  const decision = formString(req.body, 'decision');
  const displayName = formString(req.body, 'displayName')?.trim().slice(0, 80) ?? '';
  if (decision !== 'approve' && decision !== 'deny') {
    sendHtml(res, 400, renderCodeEntry('Choose Approve or Deny.'));
    return;
  }
  if (decision === 'deny') {
    const denied = core.deny(userCode) === 'ok';
    sendHtml(res, denied ? 200 : 404, renderResult(denied ? 'denied' : 'unknown'));
    return;
  }
  const person = displayName === '' ? {} : { displayName };
  if (core.approve(userCode, person) !== 'ok') {
    sendHtml(res, 404, renderResult('unknown'));
    return;
  }
  sendHtml(res, 200, renderResult('approved', core.findSession(userCode)?.person?.displayName));
}
