import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

/**
 * Every error code the HTTP surface answers with, its status and what it means: the OpenAPI
 * document lists, per route, exactly the codes that route can give (`ApiErrors`).
 */
export const ERROR_CODES = {
  invalid_json: { status: 400, meaning: 'the body is not valid JSON' },
  invalid_request: { status: 400, meaning: 'the body or a parameter does not match what the route takes' },
  unauthorized: { status: 401, meaning: 'credentials are missing or wrong' },
  kiosk_not_enrolled: { status: 403, meaning: 'KIOSK_ENROLLMENT=required and the caller holds no valid kiosk credential' },
  not_found: { status: 404, meaning: 'no such session, link or token (also another kiosk’s session)' },
  payload_too_large: { status: 413, meaning: 'the body is over 16 KiB' },
  unsupported_media_type: { status: 415, meaning: 'a POST without a JSON body (`{}` at least)' },
  rate_limited: { status: 429, meaning: 'a limit refused the caller; `Retry-After` says when to try again' },
  internal_error: { status: 500, meaning: 'something went wrong on the service’s side' },
  upstream_error: { status: 502, meaning: 'the identity provider failed, refused or is rate-limiting this client' },
  unavailable: { status: 503, meaning: 'the service cannot reach Redis' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Every route that reads or writes Redis may answer these. */
export const STORE_ERRORS: ErrorCode[] = ['internal_error', 'unavailable'];
/** What the JSON body rules answer on every POST (before any handler runs). */
export const BODY_ERRORS: ErrorCode[] = ['invalid_json', 'unsupported_media_type', 'payload_too_large'];

export const ERROR_SCHEMA_REF = '#/components/schemas/Error';

/** One `ApiResponse` per status, listing the route's codes of that status as an enum of `error.code`. */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const { status } = ERROR_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((c) => `\`${c}\`: ${ERROR_CODES[c].meaning}`).join('; '),
        ...(status === 429
          ? { headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } } }
          : {}),
        schema: {
          allOf: [
            { $ref: ERROR_SCHEMA_REF },
            { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string', enum: list } } } } },
          ],
        },
      }),
    ),
  );
}
