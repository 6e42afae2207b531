import type { IncomingMessage } from 'node:http';
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request, RequestHandler } from 'express';
import { Caller } from '../domain/kiosk';
import { ParsedCredential } from '../services/kiosk-credential.service';

/** What the HTTP edge learns about a request before a controller runs. */
export interface RequestContext {
  /** The client address (TRUST_PROXY honoured), set for every request. */
  clientAddress?: string;
  /** Set by `KioskGuard` on the kiosk-facing routes. */
  caller?: Caller;
  credential?: ParsedCredential | null;
}

export function context(req: IncomingMessage): RequestContext {
  return req as IncomingMessage & RequestContext;
}

/** Resolves the client address once per request, for logs, limits and controllers alike. */
export function clientAddressMiddleware(resolve: (req: IncomingMessage) => string): RequestHandler {
  return (req, _res, next) => {
    context(req).clientAddress = resolve(req);
    next();
  };
}

export function addressOf(req: IncomingMessage): string {
  return context(req).clientAddress ?? 'unknown';
}

/** The kiosk-facing caller, as `KioskGuard` resolved it. */
export const KioskCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext): Caller => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return context(req).caller ?? { address: addressOf(req), kiosk: null };
});

export const ClientAddress = createParamDecorator((_data: unknown, ctx: ExecutionContext): string =>
  addressOf(ctx.switchToHttp().getRequest<Request>()),
);
