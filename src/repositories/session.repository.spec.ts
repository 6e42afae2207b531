import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SESSION_STATUSES, SessionRecord, WEBEX } from '../domain/session';
import { sessionRecord } from '../testing/session-record';
import { encodeSession, parseSession } from './session.repository';

const time = fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 });
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const record: fc.Arbitrary<SessionRecord> = fc
  .record({
    id: fc.constant('AAAAAAAAAAAAAAAAAAAAAA'),
    kioskId: nullable(fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/)),
    provider: fc.constantFrom({ kind: 'webex' as const, name: 'Webex' }, { kind: 'oidc' as const, name: 'Keycloak' }),
    status: fc.constantFrom(...SESSION_STATUSES),
    stage: fc.constantFrom('polling' as const, 'profile' as const),
    userCode: fc.stringMatching(/^[A-Z0-9]{8}$/),
    verificationUri: fc.webUrl(),
    completeKind: fc.constantFrom('suffix', 'other', 'same'),
    createdAt: time,
    updatedAt: fc.option(time, { nil: undefined }),
    intervalS: fc.integer({ min: 1, max: 60 }),
    expiresAt: time,
    lastPollAt: fc.option(time, { nil: undefined }),
    nextPollAt: time,
    error: nullable(fc.record({ code: fc.string(), message: fc.string() })),
    grantedAt: nullable(time),
    accessIssuedAt: nullable(time),
    accessExpiresAt: nullable(time),
    refreshExpiresAt: nullable(time),
  })
  .map((r) => ({
    id: r.id,
    kioskId: r.kioskId,
    provider: r.provider,
    status: r.status,
    stage: r.stage,
    userCode: r.userCode,
    verificationUri: r.verificationUri,
    verificationUriComplete:
      r.completeKind === 'suffix'
        ? `${r.verificationUri}?userCode=${r.userCode}`
        : r.completeKind === 'same'
          ? r.verificationUri
          : `https://elsewhere.example/v/${r.userCode}`,
    // Equal to createdAt or not, both ways (the encoding leaves the equal ones out).
    poll: {
      intervalS: r.intervalS,
      expiresAt: r.expiresAt,
      lastPollAt: r.lastPollAt ?? r.createdAt,
      nextPollAt: r.nextPollAt,
      failures: 0,
    },
    createdAt: r.createdAt,
    updatedAt: r.updatedAt ?? r.createdAt,
    profile: null,
    error: r.error,
    grantedAt: r.grantedAt,
    accessIssuedAt: r.accessIssuedAt,
    accessExpiresAt: r.accessExpiresAt,
    refreshExpiresAt: r.refreshExpiresAt,
  }));

const sealed = fc.option(fc.stringMatching(/^v1\.[A-Za-z0-9._-]{10,200}$/), { nil: null });

describe('the stored session value', () => {
  it('reads back exactly what was written, whatever the record', () => {
    fc.assert(
      fc.property(record, sealed, sealed, sealed, (r, d, t, p) => {
        const value = { record: r, sealedDeviceCode: d, sealedTokens: t, sealedProfile: p };
        const parsed = parseSession(r.id, `7|${encodeSession(value)}`);
        const { provider, ...rest } = r;
        expect(parsed).toEqual({ ...value, rev: 7, record: { ...rest, provider: parsed?.record.provider } });
        // Webex is what a session stored without a provider means.
        expect(parsed?.record.provider ?? WEBEX).toEqual(provider);
      }),
    );
  });

  it('keeps a pending sign-in small: short names, nothing implied, no id', () => {
    const now = 1_796_108_624_774;
    const pending = sessionRecord('AAAAAAAAAAAAAAAAAAAAAA', 'pending', now);
    const json = encodeSession({ record: pending, sealedDeviceCode: null, sealedTokens: null, sealedProfile: null });
    expect(JSON.parse(json)).toEqual({
      c: {
        k: 'lobby-1',
        u: 'ABCD2345',
        v: 'https://example.test/verify',
        vs: '?userCode=ABCD2345',
        c: now,
        o: { i: 2, x: now + 300_000, n: now + 2_000 },
      },
    });
    // Less than half the record written out with its own names.
    expect(json.length).toBeLessThan(JSON.stringify(pending).length / 2);
  });

  it('reads every record with the same fields in the same order, whatever was stored', () => {
    const now = 1_796_108_624_774;
    const stored = (record: SessionRecord) =>
      parseSession(record.id, `1|${encodeSession({ record, sealedDeviceCode: null, sealedTokens: null, sealedProfile: null })}`);
    const pending = sessionRecord('AAAAAAAAAAAAAAAAAAAAAA', 'pending', now);
    const authorized: SessionRecord = {
      ...sessionRecord('BBBBBBBBBBBBBBBBBBBBBB', 'authorized', now),
      kioskId: null,
      provider: { kind: 'oidc', name: 'Keycloak' },
      stage: 'profile',
      updatedAt: now + 5_000,
      grantedAt: now + 4_000,
      accessIssuedAt: now + 4_000,
      accessExpiresAt: now + 3_600_000,
    };
    const denied: SessionRecord = {
      ...pending,
      status: 'denied',
      verificationUriComplete: 'https://elsewhere.example/v/ABCD2345',
      error: { code: 'access_denied', message: 'no' },
    };
    const shapes = [pending, authorized, denied].map((r) => Object.keys(stored(r)!.record).join());
    expect(new Set(shapes).size).toBe(1);
    // The one shape holds every field of the record, the id included, and nothing else.
    expect(shapes[0].split(',').sort()).toEqual(Object.keys(authorized).sort());
  });

  it('keeps a field it does not know (written by a later version), in the record and in its poll', () => {
    const value =
      '2|{"c":{"u":"ABCD2345","v":"https://example.test/verify","vs":"?userCode=ABCD2345","c":1796108624774,"zz":{"a":1},"o":{"i":2,"x":1796108924774,"n":1796108626774,"q":7}}}';
    const parsed = parseSession('AAAAAAAAAAAAAAAAAAAAAA', value)!;
    expect(parsed.record).toMatchObject({ id: 'AAAAAAAAAAAAAAAAAAAAAA', status: 'pending', zz: { a: 1 } });
    expect(parsed.record.poll).toEqual({
      intervalS: 2,
      expiresAt: 1796108924774,
      lastPollAt: 1796108624774,
      nextPollAt: 1796108626774,
      failures: 0,
      q: 7,
    });
    const again = JSON.parse(encodeSession(parsed)) as { c: Record<string, unknown> };
    expect(again.c).toMatchObject({ zz: { a: 1 }, o: { q: 7 } });
  });

  it('still reads values written with full names (the earlier encoding)', () => {
    const earlier =
      '3|{"r":{"kioskId":"lobby-1","status":"denied","stage":"polling","userCode":"J4F5V79W","verificationUri":"http://localhost:3000/sim/verify","verificationUriComplete":"http://localhost:3000/sim/verify?userCode=J4F5V79W","poll":{"intervalS":2,"expiresAt":1796108924774,"lastPollAt":1796108624774,"nextPollAt":1796108626774},"createdAt":1796108624774,"updatedAt":1796108630000,"error":{"code":"access_denied","message":"The person declined."}},"d":"v1.x.y"}';
    const parsed = parseSession('AAAAAAAAAAAAAAAAAAAAAA', earlier);
    expect(parsed).toMatchObject({
      rev: 3,
      sealedDeviceCode: 'v1.x.y',
      sealedTokens: null,
      record: {
        id: 'AAAAAAAAAAAAAAAAAAAAAA',
        status: 'denied',
        verificationUriComplete: 'http://localhost:3000/sim/verify?userCode=J4F5V79W',
        poll: { intervalS: 2, lastPollAt: 1796108624774, failures: 0 },
        updatedAt: 1796108630000,
        error: { code: 'access_denied', message: 'The person declined.' },
        grantedAt: null,
      },
    });
  });
});
