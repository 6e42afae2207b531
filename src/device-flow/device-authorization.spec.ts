import { describe, expect, it } from 'vitest';
import { parseDeviceAuthorization } from './device-authorization';

/**
 * Device authorization answers as real providers send them (RFC 8628 §3.2), codes shortened.
 * Shapes from each provider's documentation and observed answers.
 */
const RECORDED = {
  webex: {
    device_code: 'NjI0ZTJhZDYtYzU3',
    expires_in: 300,
    user_code: '05647358',
    verification_uri: 'https://oauth-helper-r.wbx2.com/verify',
    verification_uri_complete: 'https://oauth-helper-r.wbx2.com/verify?userCode=05647358',
    interval: 2,
  },
  // Microsoft Entra ID v2.0: no verification_uri_complete, and a `message` for consoles.
  entra: {
    user_code: 'FJ7C3QL8S',
    device_code: 'DAQABAAEAAAD--DLA3VO7QrddgJg7WevrAgY',
    verification_uri: 'https://microsoft.com/devicelogin',
    expires_in: 900,
    interval: 5,
    message:
      'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FJ7C3QL8S to authenticate.',
  },
  // Entra ID's v1 endpoint sends numbers as strings.
  entraV1: {
    user_code: 'CTJX4Z9QB',
    device_code: 'CAQABAAEAAAB2UyzwtQEKR7',
    verification_url: 'https://microsoft.com/devicelogin',
    expires_in: '900',
    interval: '5',
    message: 'To sign in, use a web browser …',
  },
  // Google: `verification_url`, no complete URI.
  google: {
    device_code: '4/4-GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8',
    user_code: 'GQVQ-JKEC',
    verification_url: 'https://www.google.com/device',
    expires_in: 1800,
    interval: 5,
  },
  okta: {
    device_code: '4ec1b3ee-9b8a-41c6-a8e7-c8d5d3c7e2a1',
    user_code: 'MKDQWNFZ',
    verification_uri: 'https://example.okta.com/activate',
    verification_uri_complete: 'https://example.okta.com/activate?user_code=MKDQWNFZ',
    expires_in: 600,
    interval: 5,
  },
  keycloak: {
    device_code: 'wkCoNpJ0ZyZ3fUZbsbxUhtiZ7o5jPdPJ',
    user_code: 'VDOX-IUMO',
    verification_uri: 'https://sso.example.com/realms/acme/device',
    verification_uri_complete: 'https://sso.example.com/realms/acme/device?user_code=VDOX-IUMO',
    expires_in: 600,
    interval: 5,
  },
  // node oidc-provider: no `interval` at all (RFC 8628 §3.2 then means 5 s).
  oidcProvider: {
    device_code: 'Xn4dTl9cJ5lB2GcnQh9W2bHk5y9l_4tY0Z3KDrhq5dG',
    user_code: 'BDWP-HQPK',
    verification_uri: 'http://127.0.0.1:4000/device',
    verification_uri_complete: 'http://127.0.0.1:4000/device?user_code=BDWP-HQPK',
    expires_in: 600,
  },
};

describe('parseDeviceAuthorization: recorded answers', () => {
  it('reads Webex, with its complete URI and interval', () => {
    expect(parseDeviceAuthorization(RECORDED.webex)).toEqual({
      deviceCode: 'NjI0ZTJhZDYtYzU3',
      userCode: '05647358',
      verificationUri: 'https://oauth-helper-r.wbx2.com/verify',
      verificationUriComplete: 'https://oauth-helper-r.wbx2.com/verify?userCode=05647358',
      expiresInS: 300,
      intervalS: 2,
    });
  });

  it('reads Entra ID without a complete URI, ignoring its console message', () => {
    expect(parseDeviceAuthorization(RECORDED.entra)).toEqual({
      deviceCode: RECORDED.entra.device_code,
      userCode: 'FJ7C3QL8S',
      verificationUri: 'https://microsoft.com/devicelogin',
      verificationUriComplete: null,
      expiresInS: 900,
      intervalS: 5,
    });
  });

  it("reads Entra ID v1's numbers sent as strings", () => {
    expect(parseDeviceAuthorization(RECORDED.entraV1)).toMatchObject({ expiresInS: 900, intervalS: 5 });
  });

  it("reads Google's `verification_url` spelling", () => {
    expect(parseDeviceAuthorization(RECORDED.google)).toMatchObject({
      userCode: 'GQVQ-JKEC',
      verificationUri: 'https://www.google.com/device',
      verificationUriComplete: null,
      expiresInS: 1800,
    });
  });

  it('prefers `verification_uri` when both spellings are present', () => {
    const both = { ...RECORDED.google, verification_uri: 'https://www.google.com/device?hl=en' };
    expect(parseDeviceAuthorization(both)?.verificationUri).toBe('https://www.google.com/device?hl=en');
  });

  it.each([
    ['Okta', RECORDED.okta],
    ['Keycloak', RECORDED.keycloak],
  ])('reads %s with its complete URI', (_name, body) => {
    expect(parseDeviceAuthorization(body)).toMatchObject({
      verificationUriComplete: body.verification_uri_complete,
      intervalS: 5,
    });
  });

  it('leaves the interval null when the provider sends none (oidc-provider)', () => {
    expect(parseDeviceAuthorization(RECORDED.oidcProvider)).toMatchObject({ intervalS: null, expiresInS: 600 });
  });
});

describe('parseDeviceAuthorization: unusable parts', () => {
  it.each([0, -5, 'soon', null, Number.NaN])('treats interval %s as absent rather than failing', (interval) => {
    expect(parseDeviceAuthorization({ ...RECORDED.okta, interval })).toMatchObject({ intervalS: null });
  });

  it('drops a complete URI that is not a web address', () => {
    const body = { ...RECORDED.okta, verification_uri_complete: 'javascript:alert(1)' };
    expect(parseDeviceAuthorization(body)?.verificationUriComplete).toBeNull();
  });

  it.each<[string, unknown]>([
    ['no device_code', { ...RECORDED.okta, device_code: undefined }],
    ['an empty user_code', { ...RECORDED.okta, user_code: '' }],
    ['no verification address', { ...RECORDED.okta, verification_uri: undefined }],
    ['a verification address that is not http(s)', { ...RECORDED.okta, verification_uri: 'ftp://example.com/x' }],
    ['no expires_in', { ...RECORDED.okta, expires_in: undefined }],
    ['a zero expires_in', { ...RECORDED.okta, expires_in: 0 }],
    ['an HTML page', '<html>Bad gateway</html>'],
    ['null', null],
  ])('refuses an answer with %s', (_name, body) => {
    expect(parseDeviceAuthorization(body)).toBeNull();
  });
});
