import { json, Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { faultRequestSchema } from './fault.plan';
import { queryString } from './request-input';
import { snapshotSession } from './sim-session';
import { copyStats } from './sim-stats';
import type { ActionResult, SimulatorCore } from './simulator.core';
import { describeZodError, settingsPatchSchema } from './simulator-settings';

/**
 * The control API under `/_sim/`, for tests and the benchmark. JSON in, JSON
 * out; errors are `{"error": {"code", "message"}}` like the service's own API.
 * It is unauthenticated: it exists only where the simulator does (demo, tests).
 */

const userCodeBody = z.object({ userCode: z.string().min(1).max(64) });
const approveBody = userCodeBody.extend({
  displayName: z.string().trim().min(1).max(80).optional(),
  email: z.email().optional(),
});

function sendError(res: Response, status: number, code: string, message: string, issues?: string[]): void {
  res.status(status).json({ error: { code, message, ...(issues ? { issues } : {}) } });
}

/** Parses `req.body` or answers 400; `undefined` means the answer was sent. */
function parseBody<T>(schema: z.ZodType<T>, req: Request, res: Response): T | undefined {
  const parsed = schema.safeParse(req.body);
  if (parsed.success) return parsed.data;
  const issues = describeZodError(parsed.error);
  sendError(res, 400, 'invalid_body', issues.join('; '), issues);
  return undefined;
}

function sendAction(core: SimulatorCore, res: Response, userCode: string, result: ActionResult): void {
  if (result === 'unknown') return sendError(res, 404, 'unknown_code', 'No such user code.');
  const session = core.findSession(userCode);
  if (result === 'not_pending' || session === undefined) {
    return sendError(res, 409, 'not_pending', 'That code is no longer pending.');
  }
  res.status(200).json({ ok: true, session: snapshotSession(session, core.now()) });
}

export function controlRouter(core: SimulatorCore): Router {
  const router = Router();
  router.use(json({ limit: '64kb' }));
  addQueryRoutes(router, core);
  addSessionActions(router, core);
  addSettingsAndFaults(router, core);
  router.post('/reset', (_req, res) => {
    core.reset();
    res.status(200).json({ ok: true });
  });
  router.use((_req, res) => sendError(res, 404, 'not_found', 'No such control route.'));
  return router;
}

function addQueryRoutes(router: Router, core: SimulatorCore): void {
  router.get('/polls', (req, res) => {
    const userCode = queryString(req.query, 'userCode');
    res.status(200).json(core.polls.list(userCode === undefined ? undefined : { userCode }));
  });
  router.get('/refreshes', (_req, res) => res.status(200).json(core.refreshes));
  router.get('/stats', (_req, res) => {
    res.status(200).json({ ...copyStats(core.stats), liveSessions: core.sessions.size });
  });
  router.get('/sessions/:userCode', (req, res) => {
    const session = core.findSession(req.params.userCode);
    if (session === undefined) return sendError(res, 404, 'unknown_code', 'No such user code.');
    res.status(200).json(snapshotSession(session, core.now()));
  });
}

function addSessionActions(router: Router, core: SimulatorCore): void {
  router.post('/approve', (req, res) => {
    const body = parseBody(approveBody, req, res);
    if (body === undefined) return;
    const person = {
      ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
      ...(body.email !== undefined ? { emails: [body.email] } : {}),
    };
    sendAction(core, res, body.userCode, core.approve(body.userCode, person));
  });
  router.post('/deny', (req, res) => {
    const body = parseBody(userCodeBody, req, res);
    if (body !== undefined) sendAction(core, res, body.userCode, core.deny(body.userCode));
  });
  router.post('/expire', (req, res) => {
    const body = parseBody(userCodeBody, req, res);
    if (body !== undefined) sendAction(core, res, body.userCode, core.expire(body.userCode));
  });
  router.post('/slow-down', (req, res) => {
    const body = parseBody(userCodeBody.extend({ count: z.number().int().min(1).max(100).default(1) }), req, res);
    if (body === undefined) return;
    const session = core.findSession(body.userCode);
    if (session === undefined) return sendError(res, 404, 'unknown_code', 'No such user code.');
    session.slowDownsRequested += body.count;
    res.status(200).json({ ok: true, session: snapshotSession(session, core.now()) });
  });
  // Test-only: the secrets a sign-in produced, so tests can prove the service never leaks them.
  router.get('/secrets/:userCode', (req, res) => {
    const session = core.findSession(req.params.userCode);
    if (session === undefined) return sendError(res, 404, 'unknown_code', 'No such user code.');
    res.status(200).json({ deviceCode: session.deviceCode, tokens: core.grants.issuedFor(session.userCode) });
  });
  router.post('/revoke', (req, res) => {
    const body = parseBody(userCodeBody, req, res);
    if (body === undefined) return;
    if (!core.revoke(body.userCode)) {
      return sendError(res, 404, 'no_tokens', 'No tokens were issued for that code.');
    }
    res.status(200).json({ ok: true });
  });
}

function addSettingsAndFaults(router: Router, core: SimulatorCore): void {
  router.get('/settings', (_req, res) => res.status(200).json(core.settings));
  router.post('/settings', (req, res) => {
    const patch = parseBody(settingsPatchSchema, req, res);
    if (patch === undefined) return;
    Object.assign(core.settings, patch);
    res.status(200).json(core.settings);
  });
  router.get('/faults', (_req, res) => res.status(200).json(core.faults.list()));
  router.post('/faults', (req, res) => {
    const fault = parseBody(faultRequestSchema, req, res);
    if (fault === undefined) return;
    core.faults.add(fault);
    res.status(200).json(core.faults.list());
  });
  router.delete('/faults', (_req, res) => {
    core.faults.clear();
    res.status(200).json([]);
  });
}
