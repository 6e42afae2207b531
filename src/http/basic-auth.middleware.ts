import type { RequestHandler } from 'express';
import { constantTimeEquals } from '../repositories/crypto.repository';

/** HTTP Basic auth for the operators' pages; both parts compared in constant time. */
export function basicAuth(user: string, password: string, realm = 'Kiosk Sign-in admin'): RequestHandler {
  return (req, res, next) => {
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() === 'basic' && encoded) {
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      const split = decoded.indexOf(':');
      const givenUser = split >= 0 ? decoded.slice(0, split) : '';
      const givenPassword = split >= 0 ? decoded.slice(split + 1) : '';
      // Evaluate both comparisons always, so timing does not tell which part was wrong.
      const userOk = constantTimeEquals(givenUser, user);
      const passwordOk = constantTimeEquals(givenPassword, password);
      if (userOk && passwordOk) return next();
    }
    res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    res.status(401).json({ error: { code: 'unauthorized', message: 'Operator credentials are required' } });
  };
}
