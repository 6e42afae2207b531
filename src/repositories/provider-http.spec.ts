import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyTransportError } from '../device-flow/classify-token-answer';
import { sameHiddenClass } from '../testing/hidden-class';
import { ProviderEndpoint, ProviderHttp } from './provider-http';

/** A loopback HTTP server whose answer each test sets; it remembers what it received. */
let server: Server;
let base: string;
let handler: (req: IncomingMessage, body: string, res: ServerResponse) => void = (_req, _body, res) => res.end();
const received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('ProviderHttp', () => {
  it('sends the form urlencoded with the given headers and returns status, lower-case headers and JSON', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(400, { 'Content-Type': 'application/json', 'Retry-After': '3' });
      res.end('{"error":"slow_down"}');
    };
    const seen: Array<[ProviderEndpoint, number | 'error']> = [];
    const http = new ProviderHttp({ timeoutMs: 2000, onRequest: (endpoint, status) => seen.push([endpoint, status]) });
    const res = await http.send({
      endpoint: 'token',
      method: 'POST',
      url: `${base}/token`,
      headers: { authorization: 'Basic abc' },
      form: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'a b&c' },
    });
    expect(res).toEqual({ status: 400, headers: expect.objectContaining({ 'retry-after': '3' }), body: { error: 'slow_down' } });
    const req = received.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', url: '/token' });
    expect(req.headers).toMatchObject({
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      authorization: 'Basic abc',
    });
    expect(new URLSearchParams(req.body).get('device_code')).toBe('a b&c');
    expect(seen).toEqual([['token', 400]]);
  });

  it('hands undici the options of every request in one hidden class, a form POST or a GET', async () => {
    handler = (_req, _body, res) => res.end('{}');
    const http = new ProviderHttp({ timeoutMs: 2000 });
    // What undici is given: its reads of the options go megamorphic if each request's has a class of its own.
    const agent = (http as unknown as { agent: Agent }).agent;
    const request = agent.request.bind(agent) as (options: object) => Promise<unknown>;
    const given: object[] = [];
    (agent as unknown as { request: (options: object) => Promise<unknown> }).request = (options) => {
      given.push(options);
      return request(options);
    };
    const form = { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'abc' };
    // V8 shares a class among the first few objects of a kind whatever the code; a few dozen show it.
    for (let i = 0; i < 40; i++) {
      if (i % 4 === 3)
        await http.send({ endpoint: 'people', method: 'GET', url: `${base}/people/me`, headers: { authorization: 'Bearer x' } });
      else await http.send({ endpoint: 'token', method: 'POST', url: `${base}/token`, form });
    }
    await http.close();
    expect(given).toHaveLength(40);
    for (const other of given.slice(1)) expect(sameHiddenClass(given[0], other)).toBe(true);
  });

  it('gives null for a body that is not JSON (a proxy error page)', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html><h1>502 Bad Gateway</h1></html>');
    };
    const res = await new ProviderHttp({ timeoutMs: 2000 }).send({ endpoint: 'userinfo', method: 'GET', url: `${base}/me` });
    expect(res).toMatchObject({ status: 502, body: null });
    expect(received.at(-1)).toMatchObject({ method: 'GET', body: '' });
  });

  it('gives up after the timeout, with an error the token rules read as a timeout', async () => {
    handler = () => undefined; // never answers
    const seen: Array<number | 'error'> = [];
    const http = new ProviderHttp({ timeoutMs: 200, onRequest: (_e, status) => seen.push(status) });
    const err = await http.send({ endpoint: 'token', method: 'POST', url: `${base}/slow`, form: {} }).catch((e: unknown) => e);
    expect(classifyTransportError(err)).toMatchObject({ kind: 'transient', reason: 'timeout' });
    expect(seen).toEqual(['error']);
  });

  it('rejects when nothing listens, read as a network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await new ProviderHttp({ timeoutMs: 2000 })
      .send({ endpoint: 'discovery', method: 'GET', url: `http://127.0.0.1:${port}/` })
      .catch((e: unknown) => e);
    expect(classifyTransportError(err)).toMatchObject({ kind: 'transient', reason: 'network' });
  });
});
