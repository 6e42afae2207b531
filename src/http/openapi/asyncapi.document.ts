import { SCHEMAS } from './schemas';

/**
 * The Socket.IO surface as an AsyncAPI 3.0 document, served beside the OpenAPI one
 * (`/api/asyncapi.json`). Socket.IO frames carry an event name and arguments: each message's
 * `name` is the event, its payload the first argument, and a `reply` is the acknowledgement.
 * `test/openapi.test.ts` checks it against the AsyncAPI schema and the gateways' real handlers.
 */

interface EventDoc {
  /** Socket.IO event name. */
  event: string;
  direction: 'client-to-server' | 'server-to-client';
  summary: string;
  payload: Record<string, unknown>;
  /** The acknowledgement's payload, for events answered with one. */
  ack?: Record<string, unknown>;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const idPayload = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
const errorAck = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};

export const KIOSK_EVENTS: EventDoc[] = [
  {
    event: 'session:watch',
    direction: 'client-to-server',
    summary: 'Watch a session: its changes are pushed as session:update. Send again after every reconnect.',
    payload: idPayload,
    ack: {
      oneOf: [
        { type: 'object', required: ['ok', 'session'], properties: { ok: { const: true }, session: ref('SessionView') } },
        {
          type: 'object',
          required: ['ok', 'error'],
          properties: {
            ok: { const: false },
            error: {
              type: 'object',
              properties: {
                code: { type: 'string', enum: ['not_found', 'invalid_request', 'rate_limited', 'kiosk_not_enrolled'] },
                message: { type: 'string' },
              },
            },
          },
        },
      ],
    },
  },
  { event: 'session:unwatch', direction: 'client-to-server', summary: 'Stop watching a session.', payload: idPayload },
  {
    event: 'session:update',
    direction: 'server-to-client',
    summary: 'A watched session changed, whichever process changed it.',
    payload: ref('SessionView'),
  },
];

export const FLEET_EVENTS: EventDoc[] = [
  {
    event: 'fleet:snapshot',
    direction: 'client-to-server',
    summary: 'Every live session (newest first, at most 2,000), asked for on (re)connect.',
    payload: { type: 'null', description: 'no argument' },
    ack: { oneOf: [ref('FleetSnapshot'), errorAck] },
  },
  {
    event: 'fleet:kiosks',
    direction: 'client-to-server',
    summary: 'The enrolled kiosks.',
    payload: { type: 'null', description: 'no argument' },
    ack: {
      oneOf: [
        { type: 'object', required: ['kiosks'], properties: { kiosks: { type: 'array', items: ref('KioskView') } } },
        errorAck,
      ],
    },
  },
  {
    event: 'fleet:stats',
    direction: 'client-to-server',
    summary: 'The charts’ data (last hour) and the identity provider’s status, asked for on (re)connect.',
    payload: { type: 'null', description: 'no argument' },
    ack: { oneOf: [ref('FleetStats'), errorAck] },
  },
  {
    event: 'fleet:sessions',
    direction: 'server-to-client',
    summary:
      'Sessions created or changed anywhere in the fleet: each process gathers changes for up to 250 ms and pushes them together, each session once with its newest view.',
    payload: { type: 'array', items: ref('SessionView') },
  },
  {
    event: 'fleet:kiosks-changed',
    direction: 'server-to-client',
    summary: 'A kiosk was enrolled or revoked: ask fleet:kiosks again.',
    payload: { type: 'null', description: 'no argument' },
  },
  {
    event: 'fleet:upstream',
    direction: 'server-to-client',
    summary: 'A call to the identity provider failed: the provider’s status and the last failures.',
    payload: ref('UpstreamReport'),
  },
  {
    event: 'fleet:stats',
    direction: 'server-to-client',
    summary: 'Every 5 s, from the API process the view is connected to: the charts’ data and the provider’s status.',
    payload: ref('FleetStats'),
  },
];

/** `session:watch` → `sessionWatch`; AsyncAPI keys must be plain identifiers. */
function key(event: string, suffix = ''): string {
  return event.replace(/[:-](\w)/g, (_, c: string) => c.toUpperCase()) + suffix;
}

function channel(address: string, description: string, events: EventDoc[]) {
  const messages: Record<string, unknown> = {};
  for (const e of events) {
    const k = key(e.event, e.direction === 'server-to-client' ? 'Push' : '');
    messages[k] = { name: e.event, summary: e.summary, payload: e.payload };
    if (e.ack) messages[key(e.event, 'Ack')] = { name: e.event, summary: `Acknowledgement of ${e.event}`, payload: e.ack };
  }
  return { address, description, messages };
}

function operations(channelName: string, events: EventDoc[]) {
  const ops: Record<string, unknown> = {};
  for (const e of events) {
    const push = e.direction === 'server-to-client';
    const msg = key(e.event, push ? 'Push' : '');
    ops[key(e.event, push ? 'Received' : 'Sent')] = {
      // From the client's point of view: it sends requests and receives pushes.
      action: push ? 'receive' : 'send',
      summary: e.summary,
      channel: { $ref: `#/channels/${channelName}` },
      messages: [{ $ref: `#/channels/${channelName}/messages/${msg}` }],
      ...(e.ack
        ? {
            reply: {
              channel: { $ref: `#/channels/${channelName}` },
              messages: [{ $ref: `#/channels/${channelName}/messages/${key(e.event, 'Ack')}` }],
            },
          }
        : {}),
    };
  }
  return ops;
}

export function asyncApiDocument(version: string): Record<string, unknown> {
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Kiosk Sign-in — Socket.IO events',
      version,
      description:
        'Socket.IO 4 at path `/socket.io`, WebSocket transport. Kiosks use the default namespace; the ' +
        'operators’ fleet view uses `/admin`, which needs `auth: {ticket}` from `GET /admin/kiosks/ticket` ' +
        '(HTTP Basic). A refused handshake’s `connect_error` carries the error code as its message: ' +
        '`kiosk_not_enrolled`, `rate_limited`, `unauthorized`. The REST API is described at `/api/openapi.json`.',
    },
    defaultContentType: 'application/json',
    servers: {
      service: { host: 'localhost:3000', protocol: 'ws', pathname: '/socket.io', description: 'the service itself (PUBLIC_URL)' },
    },
    channels: {
      kiosk: channel('/', 'The default namespace: kiosks watch their sessions.', KIOSK_EVENTS),
      fleet: channel('/admin', 'The operators’ namespace: every change of every session.', FLEET_EVENTS),
    },
    operations: { ...operations('kiosk', KIOSK_EVENTS), ...operations('fleet', FLEET_EVENTS) },
    components: { schemas: SCHEMAS },
  };
}
