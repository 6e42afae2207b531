import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { originAllowed } from '../gateways/redis-io.adapter';
import { addressMatcher, clientAddressResolver, normalizeAddress } from './client-address';
import { serializeCsp, strictDirectives, withStyleHashes } from './security-headers';

const req = (headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
  ({ headers, socket: { remoteAddress }, connection: { remoteAddress } }) as unknown as IncomingMessage;

describe('content security policy', () => {
  it('allows no inline script or style, no framing, and upgrades requests on https only', () => {
    const csp = serializeCsp(strictDirectives(false));
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(serializeCsp(strictDirectives(true))).toContain('upgrade-insecure-requests');
  });

  it('extends style-src with the hashes of exactly the inline styles of a page', () => {
    const html = '<div style="color:red">x</div><style>p{margin:0}</style>';
    const styles = withStyleHashes(strictDirectives(false), html)['style-src'];
    // sha256 of "color:red" and "p{margin:0}", as the browser computes them.
    expect(styles).toContain("'sha256-8f935d27GvUutRyY9yWScUMiFUk4WTdZURISiYfPOeQ='");
    expect(styles).toContain("'sha256-QRQPRLGyxt3RJiKpYNjpkgHcmHU2PywsfL2e8oI0LQA='");
    expect(styles).toContain("'unsafe-hashes'");
    expect(styles).not.toContain("'unsafe-inline'");
  });
});

describe('client address', () => {
  it('ignores X-Forwarded-For unless the peer is a trusted proxy', () => {
    const forwarded = { 'x-forwarded-for': '203.0.113.7' };
    expect(clientAddressResolver(['loopback'])(req(forwarded))).toBe('203.0.113.7');
    expect(clientAddressResolver(['loopback'])(req(forwarded, '198.51.100.1'))).toBe('198.51.100.1');
    expect(clientAddressResolver(false)(req(forwarded))).toBe('127.0.0.1');
    expect(clientAddressResolver(1)(req({ 'x-forwarded-for': '203.0.113.7, 10.0.0.2' }))).toBe('10.0.0.2');
    expect(clientAddressResolver(2)(req({ 'x-forwarded-for': '203.0.113.7, 10.0.0.2' }))).toBe('203.0.113.7');
  });

  it('treats an IPv4-mapped address as the IPv4 one, and matches exempt ranges', () => {
    expect(normalizeAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeAddress(undefined)).toBe('unknown');
    const exempt = addressMatcher(['127.0.0.1', '10.0.0.0/8']);
    expect([exempt('127.0.0.1'), exempt('10.1.2.3'), exempt('192.0.2.1')]).toEqual([true, true, false]);
    expect(addressMatcher([])('127.0.0.1')).toBe(false);
  });
});

describe('Socket.IO origin check', () => {
  const allowed = ['https://kiosks.example.com'];
  it('lets through the configured origin, the same host and non-browser clients, and nothing else', () => {
    expect(originAllowed(req({ origin: 'https://kiosks.example.com', host: 'internal:3000' }), allowed)).toBe(true);
    expect(originAllowed(req({ origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' }), allowed)).toBe(true);
    expect(originAllowed(req({ host: '127.0.0.1:3000' }), allowed)).toBe(true);
    expect(originAllowed(req({ origin: 'https://evil.example', host: '127.0.0.1:3000' }), allowed)).toBe(false);
    expect(originAllowed(req({ origin: 'null', host: '127.0.0.1:3000' }), allowed)).toBe(false);
  });
});
