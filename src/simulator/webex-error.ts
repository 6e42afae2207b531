import { randomUUID } from 'node:crypto';
import type { Response } from 'express';

/** The shape of every error Webex answers: `{message, errors: [{description}], trackingId}`. */
export interface WebexErrorBody {
  message: string;
  errors: Array<{ description: string }>;
  trackingId: string;
}

/** Webex stamps each answer with a tracking id; ours are recognisably fake. */
export function newTrackingId(): string {
  return `SIM_${randomUUID()}`;
}

export function webexErrorBody(message: string, description: string): WebexErrorBody {
  return { message, errors: [{ description }], trackingId: newTrackingId() };
}

export function sendWebexError(res: Response, status: number, message: string, description: string): void {
  const body = webexErrorBody(message, description);
  res.status(status).set('TrackingID', body.trackingId).json(body);
}

/** Webex's wording for a missing, unknown or expired bearer token. */
export const INVALID_ACCESS_TOKEN_MESSAGE = 'The request requires a valid access token set in the Authorization request header.';
