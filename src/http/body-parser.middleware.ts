import express, { ErrorRequestHandler, RequestHandler } from 'express';
import { ApiErrorBody } from './api-exception.filter';

/** Kiosk requests are tiny; anything larger is a mistake or an attack. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Only JSON is accepted: a POST must carry a JSON body (`{}` at least), and any other request may
 * carry none or JSON. A cross-site HTML form (or a `no-cors` fetch) can POST without a CORS
 * preflight, but never as application/json, so this also keeps other web pages from making a
 * visitor's browser start sign-ins or use an operator's cached credentials (CSRF).
 */
const requireJson: RequestHandler = (req, res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  // type-is answers null for a body-less request, so a body-less POST is refused too.
  if ((req.method === 'POST' || hasBody) && !req.is('application/json')) {
    res.status(415).json(apiError('unsupported_media_type', 'Send a JSON body with Content-Type: application/json'));
    return;
  }
  next();
};

/** body-parser's errors become the contract's JSON errors instead of Express's HTML page. */
const bodyErrors: ErrorRequestHandler = (err: { type?: string; status?: number }, _req, res, next) => {
  if (err.type === 'entity.too.large') {
    res.status(413).json(apiError('payload_too_large', `The body is larger than ${MAX_BODY_BYTES} bytes`));
  } else if (err.type === 'entity.parse.failed') {
    res.status(400).json(apiError('invalid_json', 'The body is not valid JSON'));
  } else if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
    res.status(err.status).json(apiError('invalid_request', 'The request body could not be read'));
  } else {
    next(err);
  }
};

export function apiBodyParser(): Array<RequestHandler | ErrorRequestHandler> {
  return [requireJson, express.json({ limit: MAX_BODY_BYTES, strict: false }), bodyErrors];
}

function apiError(code: string, message: string): ApiErrorBody {
  return { error: { code, message } };
}
