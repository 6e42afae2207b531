import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ERROR_SCHEMA_REF } from './error-codes';
import { SCHEMAS } from './schemas';

/**
 * The REST API as an OpenAPI 3.1 document, built from the controllers' own routes and decorators
 * (`@nestjs/swagger` scans what Nest mapped), plus the one operator route Nest does not map itself:
 * bull-board's dashboard. `test/openapi.test.ts` checks it both ways against the real routes.
 */
export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Kiosk Sign-in')
    .setVersion(version)
    .setDescription(
      'Sign people in on kiosks with the OAuth 2.0 Device Authorization Grant (RFC 8628). Every error from ' +
        '`/api` is `{"error": {"code", "message"}}`; every `/api` answer carries `Cache-Control: no-store`. ' +
        'Session changes are pushed over Socket.IO, described as AsyncAPI at [/api/asyncapi.json](/api/asyncapi.json) ' +
        '(see `x-socket-io`).',
    )
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'DASHBOARD_USER / DASHBOARD_PASSWORD' }, 'operator')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'INTEGRATOR_API_KEY' }, 'integrator')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' }, 'metrics')
    .addCookieAuth(
      'kiosk_credential',
      {
        type: 'apiKey',
        in: 'cookie',
        description: 'With KIOSK_ENROLLMENT=required: the enrolled kiosk’s credential (`__Host-kiosk_credential` over https)',
      },
      'kiosk',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...SCHEMAS } };
  document.paths['/admin/queues'] = {
    get: {
      tags: ['operators'],
      summary: 'The queue dashboard (bull-board): its page, and under this path its assets and JSON API',
      operationId: 'queueDashboard',
      security: [{ operator: [] }],
      responses: {
        '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } },
        '401': { description: '`unauthorized`: operator credentials are required', content: json(ERROR_SCHEMA_REF) },
        '429': { description: '`rate_limited`: too many failed authentications', content: json(ERROR_SCHEMA_REF) },
      },
    },
  };
  return {
    ...document,
    'x-socket-io': { asyncapi: '/api/asyncapi.json', path: '/socket.io', namespaces: ['/', '/admin'] },
  } as OpenAPIObject;
}

function json(ref: string) {
  return { 'application/json': { schema: { $ref: ref } } };
}
