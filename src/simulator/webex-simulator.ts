import express, { type NextFunction, type Request, type Response } from 'express';
import { accessTokenRoute } from './access-token.route';
import { avatarRoute } from './avatar.route';
import { controlRouter } from './control.routes';
import { authorizeRoute } from './device-authorize.route';
import { tokenRoute } from './device-token.route';
import { peopleMeRoute } from './people-me.route';
import type { PollRecord } from './poll.log';
import type { SimPerson } from './sim-person';
import { snapshotSession, type SessionSnapshot } from './sim-session';
import { copyStats, type SimStats } from './sim-stats';
import { SimulatorCore } from './simulator.core';
import { resolveSettings, type SimulatorSettings } from './simulator-settings';
import { verifyRouter } from './verify.route';
import { sendWebexError } from './webex-error';

export type { PollOutcome, PollRecord } from './poll.log';
export type { SimPerson } from './sim-person';
export type { SessionSnapshot, SessionState } from './sim-session';
export type { SimStats } from './sim-stats';
export { DEFAULT_SETTINGS, type SimulatorSettings } from './simulator-settings';

export interface WebexSimulator {
  /** Mount with `parent.use('/sim', sim.app)`, or listen on it directly. */
  app: express.Express;
  /** Live and mutable: changes apply to the next request. */
  settings: SimulatorSettings;
  /** Approves a pending code; false when it is unknown or no longer pending. */
  approve(userCode: string, person?: Partial<SimPerson>): boolean;
  deny(userCode: string): boolean;
  /** Every `/device/token` call, oldest first (the newest `maxPollRecords`). */
  polls(): PollRecord[];
  stats(): SimStats;
  session(userCode: string): SessionSnapshot | null;
  /** Forgets all codes, tokens, polls, faults and counts; restores the initial settings. */
  reset(): void;
}

export interface WebexSimulatorOptions {
  /** Where people's browsers reach the simulator, e.g. `http://localhost:3000/sim`. */
  publicBaseUrl: string;
  settings?: Partial<SimulatorSettings>;
  /** One short line per approval or denial; never tokens or device codes. */
  logger?: (line: string) => void;
  /** The clock, injectable so specs are deterministic. */
  now?: () => number;
  /** Size of the poll log ring; the stats stay exact beyond it. Default 500,000. */
  maxPollRecords?: number;
}

const DEFAULT_MAX_POLL_RECORDS = 500_000;

export function createWebexSimulator(opts: WebexSimulatorOptions): WebexSimulator {
  const core = new SimulatorCore({
    publicBaseUrl: opts.publicBaseUrl,
    settings: resolveSettings(opts.settings),
    now: opts.now ?? Date.now,
    logger: opts.logger ?? (() => undefined),
    maxPollRecords: opts.maxPollRecords ?? DEFAULT_MAX_POLL_RECORDS,
  });
  return {
    app: buildApp(core),
    settings: core.settings,
    approve: (userCode, person) => core.approve(userCode, person) === 'ok',
    deny: (userCode) => core.deny(userCode) === 'ok',
    polls: () => core.polls.list(),
    stats: () => copyStats(core.stats),
    session: (userCode) => {
      const found = core.findSession(userCode);
      return found === undefined ? null : snapshotSession(found, core.now());
    },
    reset: () => core.reset(),
  };
}

function buildApp(core: SimulatorCore): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETags: a conditional GET answered 304 is not something Webex does to
  // /people/me, and clients should not have to cope with it here.
  app.set('etag', false);

  const form = express.urlencoded({ extended: false, limit: '16kb' });
  app.post('/v1/device/authorize', form, authorizeRoute(core));
  app.post('/v1/device/token', form, tokenRoute(core));
  app.post('/v1/access_token', form, accessTokenRoute(core));
  app.get('/v1/people/me', peopleMeRoute(core));
  app.use(verifyRouter(core));
  app.get('/avatar.svg', avatarRoute);
  app.use('/_sim', controlRouter(core));

  app.use((_req: Request, res: Response) => {
    sendWebexError(res, 404, 'The requested resource could not be found.', 'Not found.');
  });
  app.use(errorHandler);
  return app;
}

/** Malformed bodies become 400s in the right dialect; nothing leaks a stack trace. */
function errorHandler(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const status = httpStatusOf(err);
  const clientError = status >= 400 && status < 500;
  if (req.path.startsWith('/_sim')) {
    const code = clientError ? 'invalid_request' : 'internal_error';
    res.status(status).json({ error: { code, message: clientError ? 'Malformed request.' : 'Simulator error.' } });
    return;
  }
  if (clientError) sendWebexError(res, status, 'invalid_request', 'Malformed request.');
  else sendWebexError(res, 500, 'Internal Server Error', 'The simulator failed.');
}

function httpStatusOf(err: unknown): number {
  if (typeof err === 'object' && err !== null && 'status' in err) {
    const status = err.status;
    if (typeof status === 'number' && status >= 400 && status < 600) return status;
  }
  return 500;
}
