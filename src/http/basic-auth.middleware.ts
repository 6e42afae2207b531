import type { RequestHandler, Response } from 'express';
import { RateLimitedError } from '../domain/errors';
import { constantTimeEquals } from '../repositories/crypto.repository';
import type { AuthKind, LimitsService } from '../services/limits.service';
import { toApiError } from './api-exception.filter';
import { addressOf } from './request-context';

/** What a request's `Authorization` header says: nothing, or credentials that are right or wrong. */
export type AuthVerdict = 'absent' | 'ok' | 'wrong';

/** HTTP Basic credentials against the configured ones; both parts compared in constant time. */
export function basicVerdict(authorization: string | undefined, user: string, password: string): AuthVerdict {
  const [scheme, encoded] = (authorization ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic') return 'absent';
  const decoded = Buffer.from(encoded ?? '', 'base64').toString('utf8');
  const split = decoded.indexOf(':');
  const givenUser = split >= 0 ? decoded.slice(0, split) : '';
  const givenPassword = split >= 0 ? decoded.slice(split + 1) : '';
  // Evaluate both comparisons always, so timing does not tell which part was wrong.
  const userOk = constantTimeEquals(givenUser, user);
  const passwordOk = constantTimeEquals(givenPassword, password);
  return userOk && passwordOk ? 'ok' : 'wrong';
}

export function bearerVerdict(authorization: string | undefined, key: string | null): AuthVerdict {
  const presented = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
  if (presented === undefined) return 'absent';
  return key !== null && constantTimeEquals(presented, key) ? 'ok' : 'wrong';
}

/**
 * Guards operator routes. An address that failed too often is refused (429) before its
 * credentials are looked at; each wrong attempt is answered a little later than the one before
 * (`LimitsService.authFailed`). A request with no credentials is the browser's first try before
 * its login prompt and does not count.
 */
export function operatorAuth(opts: {
  check: (authorization: string | undefined) => AuthVerdict;
  kind: AuthKind;
  limits: LimitsService | null;
  realm?: string;
}): RequestHandler {
  const realm = opts.realm ?? 'Kiosk Sign-in admin';
  return (req, res, next) => {
    const run = async () => {
      const address = addressOf(req);
      await opts.limits?.assertAuthAllowed(opts.kind, address);
      const verdict = opts.check(req.headers.authorization);
      if (verdict === 'ok') return next();
      if (verdict === 'wrong') await opts.limits?.authFailed(opts.kind, address);
      res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
      res.status(401).json({ error: { code: 'unauthorized', message: 'Operator credentials are required' } });
    };
    run().catch((err: unknown) => sendError(res, err));
  };
}

/** HTTP Basic auth for the operators' pages, without limits (a second line behind `operatorAuth`). */
export function basicAuth(user: string, password: string): RequestHandler {
  return operatorAuth({ check: (header) => basicVerdict(header, user, password), kind: 'operator', limits: null });
}

function sendError(res: Response, err: unknown): void {
  if (res.headersSent) return;
  const { status, body } = toApiError(err);
  if (err instanceof RateLimitedError) res.setHeader('Retry-After', String(err.retryAfterS));
  res.status(status).json(body);
}
