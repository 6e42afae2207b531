import { z } from 'zod';
import { SESSION_STATUSES } from '../../domain/session';
import { TREND_OUTCOMES } from '../../domain/trends';
import { PROBLEM_KINDS, UPSTREAM_CALLS, UPSTREAM_CAUSES } from '../../domain/upstream';
import { kioskIdBody, redeemBody } from '../../services/enrollment.service';
import { createSessionSchema } from '../../services/session.service';
import { ERROR_CODES } from './error-codes';

/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 and AsyncAPI 3 take them) of everything the service sends
 * and takes. Request bodies come from the very zod schemas that parse them, so the document cannot
 * drift from the validation; answers are written out here and checked against real answers by
 * `test/openapi.test.ts`.
 */
type Schema = Record<string, unknown>;

/** A zod schema as the JSON Schema of what a caller may send. */
function fromZod(schema: z.ZodType, description: string): Schema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
  return { ...json, description };
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** A `$ref` to one of `SCHEMAS`, for the controllers' decorators. */
export const schemaRef = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
const str: Schema = { type: 'string' };
const time: Schema = { type: 'string', format: 'date-time' };
const strict = (properties: Record<string, Schema>, description?: string): Schema => ({
  type: 'object',
  ...(description ? { description } : {}),
  required: Object.keys(properties),
  properties,
  additionalProperties: false,
});

const distribution = strict({
  buckets: {
    type: 'array',
    items: strict({
      le: { type: ['number', 'null'], description: 'upper bound in seconds; null: overflow' },
      count: { type: 'integer' },
    }),
  },
  count: { type: 'integer' },
  p50: { type: ['number', 'null'] },
  p90: { type: ['number', 'null'] },
  p99: { type: ['number', 'null'] },
});

export const SCHEMAS: Record<string, Schema> = {
  Error: strict(
    {
      error: strict({ code: { type: 'string', enum: Object.keys(ERROR_CODES) }, message: str }),
    },
    'Every error of /api (and of the operator routes): never a stack trace, never HTML.',
  ),
  CreateSessionBody: fromZod(
    createSessionSchema,
    'Unknown fields are ignored. With KIOSK_ENROLLMENT=required the kiosk id comes from the credential.',
  ),
  KioskIdBody: fromZod(kioskIdBody, 'The kiosk to enroll or revoke.'),
  EnrollmentRedeemBody: fromZod(redeemBody, 'The token from the enrollment link’s fragment.'),
  SessionProvider: strict({ kind: { type: 'string', enum: ['webex', 'oidc'] }, name: str }),
  Profile: strict({
    id: str,
    displayName: str,
    emails: { type: 'array', items: str },
    avatar: { type: ['string', 'null'] },
    orgId: { type: ['string', 'null'] },
  }),
  SessionError: strict({ code: str, message: str }),
  SessionView: strict(
    {
      id: {
        type: 'string',
        pattern: '^(?:[0-9]{1,3}\\.)?[A-Za-z0-9_-]{16,64}$',
        description: 'url-safe, at least 128 random bits, after the shard number and a dot when Redis is sharded',
      },
      kioskId: { type: ['string', 'null'] },
      provider: ref('SessionProvider'),
      status: { type: 'string', enum: [...SESSION_STATUSES] },
      userCode: str,
      verificationUri: { type: 'string', format: 'uri' },
      verificationUriComplete: { type: 'string', format: 'uri' },
      qrUrl: str,
      interval: { type: 'number', description: 'current polling interval in seconds (grows on slow_down)' },
      expiresAt: time,
      createdAt: time,
      updatedAt: time,
      profile: nullable(ref('Profile')),
      error: nullable(ref('SessionError')),
    },
    'A sign-in as kiosks see it. Never carries an access token, refresh token or device code.',
  ),
  IntegratorToken: strict({ accessToken: str, expiresAt: time }),
  ProviderProblem: strict({
    kind: { type: 'string', enum: [...PROBLEM_KINDS] },
    since: time,
    lastSeenAt: time,
    until: { type: ['string', 'null'], format: 'date-time', description: 'rate_limited: when calls may resume' },
    message: str,
  }),
  ProviderStatus: strict(
    {
      provider: str,
      state: { type: 'string', enum: ['ok', ...PROBLEM_KINDS] },
      problems: { type: 'array', items: ref('ProviderProblem') },
      checkedAt: time,
    },
    'What every process saw of the identity provider, shared through Redis; the worst current problem is `state`.',
  ),
  UpstreamFailure: strict({
    provider: str,
    call: { type: 'string', enum: [...UPSTREAM_CALLS] },
    cause: { type: 'string', enum: [...UPSTREAM_CAUSES] },
    status: { type: ['integer', 'null'] },
    code: { type: ['string', 'null'] },
    message: str,
    until: { type: ['string', 'null'], format: 'date-time' },
    firstAt: time,
    at: time,
    count: { type: 'integer', minimum: 1 },
  }),
  UpstreamReport: strict({ status: ref('ProviderStatus'), failures: { type: 'array', items: ref('UpstreamFailure') } }),
  Readiness: {
    type: 'object',
    required: ['status'],
    description: 'Terminus health check; `provider` is detail only: the status code depends on Redis alone.',
    properties: {
      status: { type: 'string', enum: ['ok', 'error'] },
      info: { type: 'object' },
      error: { type: 'object' },
      details: { type: 'object' },
      provider: nullable(ref('ProviderStatus')),
    },
  },
  EnrollmentLink: strict({ kioskId: str, url: { type: 'string', format: 'uri' }, qrSvg: str, expiresAt: time }),
  KioskView: strict({ kioskId: str, credentialId: str, enrolledAt: time }),
  FleetTicket: strict({ ticket: str, expiresAt: time }),
  FleetTrends: strict({
    minutes: { type: 'integer' },
    signIns: {
      type: 'array',
      items: strict({
        at: time,
        created: { type: 'integer' },
        outcomes: strict(Object.fromEntries(TREND_OUTCOMES.map((o) => [o, { type: 'integer' }]))),
      }),
    },
    timeToApprove: distribution,
    pollLateness: strict({
      perMinute: {
        type: 'array',
        items: strict({
          at: time,
          polls: { type: 'integer' },
          p50: { type: ['number', 'null'] },
          p99: { type: ['number', 'null'] },
        }),
      },
      overall: distribution,
    }),
  }),
  FleetStats: strict({ generatedAt: time, trends: ref('FleetTrends'), upstream: ref('UpstreamReport') }),
  FleetSnapshot: strict({
    sessions: { type: 'array', items: ref('SessionView') },
    counts: strict(Object.fromEntries(SESSION_STATUSES.map((s) => [s, { type: 'integer' }]))),
    generatedAt: time,
  }),
};
