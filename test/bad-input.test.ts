import { describe, expect, it } from 'vitest';
import { useStack } from './support/stack';

/** Every bad input gets the contract's JSON error and changes nothing. */
describe('bad input', () => {
  const t = useStack();

  async function post(body: string, contentType = 'application/json') {
    const res = await fetch(`${t.service.url}/api/sessions`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json()) as { error: { code: string; message: string } },
    };
  }

  async function authorizations(): Promise<number> {
    return (await t.sim.control.stats()).authorizations;
  }

  it.each([
    ['malformed JSON', '{"kioskId": ', 400, 'invalid_json'],
    ['a kioskId with spaces', JSON.stringify({ kioskId: 'lobby 1' }), 400, 'invalid_request'],
    ['a kioskId too long', JSON.stringify({ kioskId: 'k'.repeat(65) }), 400, 'invalid_request'],
    ['a kioskId that is not a string', JSON.stringify({ kioskId: 42 }), 400, 'invalid_request'],
    ['an array body', '[]', 400, 'invalid_request'],
    ['an oversized body', JSON.stringify({ kioskId: 'a', pad: 'x'.repeat(100_000) }), 413, 'payload_too_large'],
  ])('rejects %s without starting a sign-in', async (_name, body, status, code) => {
    const before = await authorizations();
    expect(before).toEqual(expect.any(Number));
    const answer = await post(body);
    expect(answer.status).toBe(status);
    expect(answer.type).toMatch(/^application\/json/);
    expect(answer.body.error.code).toBe(code);
    expect(answer.body.error.message).toEqual(expect.any(String));
    expect(JSON.stringify(answer.body)).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    expect(await authorizations()).toBe(before);
  });

  it('rejects a body that is not JSON', async () => {
    const answer = await post('kioskId=a', 'application/x-www-form-urlencoded');
    expect(answer.status).toBe(415);
    expect(answer.body.error.code).toBe('unsupported_media_type');
  });

  it('refuses a body-less POST (a cross-site form can send one) and accepts {} without a kioskId', async () => {
    const bodyless = await fetch(`${t.service.url}/api/sessions`, { method: 'POST' });
    expect(bodyless.status).toBe(415);
    expect(await bodyless.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    const answer = await post('{}');
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ kioskId: null, status: 'pending' });
  });

  it.each(['GET', 'DELETE'])('answers 404 JSON for %s of an unknown session', async (method) => {
    for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', 'not-an-id', '..%2F..%2Fetc', 'x'.repeat(300)]) {
      const res = await fetch(`${t.service.url}/api/sessions/${id}`, { method });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('answers 404 JSON for the QR of an unknown session and for unknown API routes', async () => {
    for (const path of ['/api/sessions/AAAAAAAAAAAAAAAAAAAAAA/qr.svg', '/api/nothing-here']) {
      const res = await fetch(`${t.service.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('answers a failed Webex authorize with 502 JSON', async () => {
    await t.sim.control.faults({ endpoint: 'authorize', status: 503, count: 1 });
    const answer = await post('{}');
    expect(answer.status).toBe(502);
    expect(answer.body.error.code).toBe('upstream_error');
  });

  it('acks a bad or unknown session:watch with an error', async () => {
    for (const payload of [null, 'abc', { id: 5 }, {}]) {
      expect(await t.kiosk.watch(payload)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    expect(await t.kiosk.watch({ id: 'AAAAAAAAAAAAAAAAAAAAAA' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('keeps the integrator API closed without a configured key', async () => {
    const res = await fetch(`${t.service.url}/api/sessions/AAAAAAAAAAAAAAAAAAAAAA/token`, {
      headers: { authorization: 'Bearer x' },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
