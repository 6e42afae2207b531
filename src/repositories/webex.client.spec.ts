import { describe, expect, it } from 'vitest';
import { ProviderRequest, ProviderResponse, ProviderTransport } from './provider-http';
import { profileFromPeopleMe, WebexClient } from './webex.client';

class OneAnswer implements ProviderTransport {
  readonly requests: ProviderRequest[] = [];
  constructor(private readonly answer: ProviderResponse) {}
  send(request: ProviderRequest): Promise<ProviderResponse> {
    this.requests.push(request);
    return Promise.resolve(this.answer);
  }
}

function webex(answer: ProviderResponse) {
  const http = new OneAnswer(answer);
  const client = new WebexClient(
    { apiBase: 'https://webexapis.com/v1', clientId: 'C', clientSecret: 'S', scopes: 'spark:all' },
    http,
  );
  return { client, http };
}

/** `/people/me` as Webex sends it (shortened): far more than a kiosk needs. */
const PEOPLE_ME = {
  id: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY',
  emails: ['ada@example.com'],
  phoneNumbers: [{ type: 'work', value: '+1 408 526 7209' }],
  displayName: 'Ada Lovelace',
  nickName: 'Ada',
  firstName: 'Ada',
  lastName: 'Lovelace',
  avatar: 'https://avatar-prod-us-east-2.webexcontent.com/Avtr~V1~1eb65fdf/V1~b4c7f4a7~1600',
  orgId: 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi85NmFiYzJhYS0zZGNjLTExZTUtYTE1Mi1mZTM0ODE5Y2RjOWE',
  created: '2015-10-18T14:26:16.000Z',
  lastActivity: '2025-06-01T08:55:02.000Z',
  status: 'active',
  type: 'person',
};

describe('WebexClient on the shared transport', () => {
  it('keeps only id, displayName, emails, avatar and orgId of /people/me', async () => {
    const { client, http } = webex({ status: 200, headers: {}, body: PEOPLE_ME });
    expect(await client.getProfile('ACCESS')).toEqual({
      kind: 'ok',
      profile: {
        id: PEOPLE_ME.id,
        displayName: 'Ada Lovelace',
        emails: ['ada@example.com'],
        avatar: PEOPLE_ME.avatar,
        orgId: PEOPLE_ME.orgId,
      },
    });
    expect(http.requests[0]).toMatchObject({ endpoint: 'people', url: 'https://webexapis.com/v1/people/me' });
  });

  it('fills absent optional fields with empty values', () => {
    expect(profileFromPeopleMe({ id: 'p', displayName: 'X' })).toEqual({
      id: 'p',
      displayName: 'X',
      emails: [],
      avatar: null,
      orgId: null,
    });
  });

  it('has no revocation endpoint: revoke sends nothing', async () => {
    const { client, http } = webex({ status: 200, headers: {}, body: null });
    expect(await client.revoke()).toBe('unsupported');
    expect(http.requests).toEqual([]);
    expect(client.description).toEqual({ kind: 'webex', name: 'Webex' });
  });

  it("still appends ?user_code= when Webex leaves out the complete URI (today's fallback)", async () => {
    const { client } = webex({
      status: 200,
      headers: {},
      body: { device_code: 'D', user_code: '123', verification_uri: 'https://w.example/verify', expires_in: 300 },
    });
    expect(await client.authorize()).toMatchObject({ verificationUriComplete: 'https://w.example/verify?user_code=123' });
  });
});
