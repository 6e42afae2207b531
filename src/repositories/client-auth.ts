import { ClientAuthMethod } from '../config/config.schema';

/** RFC 6749 §2.3.1: both parts are form-urlencoded before base64. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const user = encodeURIComponent(clientId);
  const pass = encodeURIComponent(clientSecret);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/** The headers and form fields that authenticate a request with `method`. */
export function clientAuthentication(
  method: ClientAuthMethod,
  clientId: string,
  clientSecret: string | null,
): { headers: Record<string, string>; form: Record<string, string> } {
  switch (method) {
    case 'client_secret_basic':
      // RFC 8628 §3.1/§3.4 let an authenticated client omit client_id, but Entra ID's device
      // endpoints want it, and servers only check that it matches the Basic credentials.
      return { headers: { authorization: basicAuthorization(clientId, clientSecret ?? '') }, form: { client_id: clientId } };
    case 'client_secret_post':
      return { headers: {}, form: { client_id: clientId, client_secret: clientSecret ?? '' } };
    case 'none':
      // RFC 6749 §3.2.1 / RFC 8628 §3.4: a public client identifies itself with client_id alone.
      return { headers: {}, form: { client_id: clientId } };
  }
}
