import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, RateLimitedError } from '../domain/errors';
import { isRedisUnavailable } from '../repositories/redis.factory';

export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** The one place domain errors become HTTP: `{"error": {code, message}}`, never a stack or HTML. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    // Outside /api (health checks, dashboards) Nest's own answers are kept, e.g. terminus' 503 details.
    if (exception instanceof HttpException && !req.path.startsWith('/api')) {
      const answer = exception.getResponse();
      res.status(exception.getStatus()).json(typeof answer === 'string' ? { message: answer } : answer);
      return;
    }
    const { status, body } = toApiError(exception);
    if (status >= 500) this.logger.error({ err: exception }, 'request failed');
    if (res.headersSent) return;
    if (exception instanceof RateLimitedError) res.setHeader('Retry-After', String(exception.retryAfterS));
    res.status(status).json(body);
  }
}

export function toApiError(exception: unknown): { status: number; body: ApiErrorBody } {
  if (exception instanceof AppError) {
    return { status: exception.httpStatus, body: { error: { code: exception.code, message: exception.message } } };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code =
      status === 404 ? 'not_found' : status === 401 ? 'unauthorized' : status < 500 ? 'invalid_request' : 'internal_error';
    return { status, body: { error: { code, message: status === 404 ? 'No such route' : exception.message } } };
  }
  if (isRedisUnavailable(exception)) {
    return {
      status: 503,
      body: { error: { code: 'unavailable', message: 'The service cannot reach its store; try again shortly' } },
    };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'Something went wrong on our side' } } };
}
