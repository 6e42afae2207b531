import { describe, expect, it } from 'vitest';
import { profileFromUserinfo, UNNAMED } from './oidc-userinfo';

/** Userinfo answers as providers send them (OIDC Core §5.3.2); values shortened. */
const RECORDED = {
  google: {
    sub: '110169484474386276334',
    name: 'Ada Lovelace',
    given_name: 'Ada',
    family_name: 'Lovelace',
    picture: 'https://lh3.googleusercontent.com/a/ACg8ocK=s96-c',
    email: 'ada@example.com',
    email_verified: true,
    locale: 'en',
    hd: 'example.com',
  },
  keycloak: {
    sub: 'f9a1c4b2-7c1d-4d8e-9a63-0b1e2d3c4f5a',
    email_verified: true,
    name: 'Grace Hopper',
    preferred_username: 'ghopper',
    given_name: 'Grace',
    family_name: 'Hopper',
    email: 'grace@example.com',
  },
  okta: {
    sub: '00uid4BxXw6I6TV4m0g3',
    name: 'John Doe',
    nickname: 'Jimmy',
    given_name: 'John',
    middle_name: 'James',
    family_name: 'Doe',
    profile: 'https://example.com/john.doe',
    zoneinfo: 'America/Los_Angeles',
    locale: 'en-US',
    updated_at: 1311280970,
    email: 'john.doe@example.com',
    email_verified: true,
    address: { street_address: '123 Hollywood Blvd.' },
    phone_number: '+1 (425) 555-1212',
  },
};

describe('profileFromUserinfo', () => {
  it('maps Google: sub, name, email, picture; drops everything else', () => {
    expect(profileFromUserinfo(RECORDED.google)).toEqual({
      id: '110169484474386276334',
      displayName: 'Ada Lovelace',
      emails: ['ada@example.com'],
      avatar: 'https://lh3.googleusercontent.com/a/ACg8ocK=s96-c',
      orgId: null,
    });
  });

  it('maps Keycloak, which sends no picture', () => {
    expect(profileFromUserinfo(RECORDED.keycloak)).toEqual({
      id: RECORDED.keycloak.sub,
      displayName: 'Grace Hopper',
      emails: ['grace@example.com'],
      avatar: null,
      orgId: null,
    });
  });

  it('keeps no address, phone number or other claims (least data)', () => {
    const profile = profileFromUserinfo(RECORDED.okta);
    expect(Object.keys(profile ?? {}).sort()).toEqual(['avatar', 'displayName', 'emails', 'id', 'orgId']);
    expect(JSON.stringify(profile)).not.toMatch(/Hollywood|555|Jimmy/);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['given and family name without `name`', { given_name: 'Ada', family_name: 'Lovelace' }, 'Ada Lovelace'],
    ['only a given name', { given_name: 'Ada' }, 'Ada'],
    ['only preferred_username', { preferred_username: 'ada' }, 'ada'],
    ['only an email', { email: 'ada@example.com' }, 'ada@example.com'],
    ['a blank name', { name: '  ', preferred_username: 'ada' }, 'ada'],
    ['nothing to show (scope openid only)', {}, UNNAMED],
  ])('derives the display name from %s', (_name, claims, displayName) => {
    expect(profileFromUserinfo({ sub: 's', ...claims })?.displayName).toBe(displayName);
  });

  it.each([null, 42, 'javascript:alert(1)', 'data:image/png;base64,AAAA', '/relative.png'])(
    'keeps no avatar for picture %j',
    (picture) => {
      expect(profileFromUserinfo({ sub: 's', picture })?.avatar).toBeNull();
    },
  );

  it('ignores an email that is not a string', () => {
    expect(profileFromUserinfo({ sub: 's', email: ['a@b.c'] })?.emails).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['no sub', { name: 'Ada' }],
    ['an empty sub', { sub: '' }],
    ['a numeric sub', { sub: 42 }],
    ['a JWT string (signed userinfo)', 'eyJhbGciOi.e30.sig'],
    ['null', null],
  ])('refuses an answer with %s', (_name, body) => {
    expect(profileFromUserinfo(body)).toBeNull();
  });
});
