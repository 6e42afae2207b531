import {
  classifyTokenAnswer,
  classifyTransportError,
  parseRetryAfter,
  TokenDialect,
  webexErrorCode,
} from '../device-flow/classify-token-answer';
import { parseDeviceAuthorization, ParsedDeviceAuthorization } from '../device-flow/device-authorization';
import { DEFAULT_RETRY_AFTER_MS } from '../device-flow/poll-rules';
import { TokenAnswer } from '../device-flow/token-answer';
import { Profile } from '../domain/session';
import { ProfileAnswer, ProviderRequestError } from './identity-provider';
import { describeTransport, ProviderEndpoint, ProviderResponse, ProviderTransport } from './provider-http';

/**
 * The three exchanges every device-flow provider has, whatever its URLs and client
 * authentication: the providers (`WebexClient`, `OidcClient`) say how to send each request, and
 * these read the answers the same way for all of them.
 */

/**
 * RFC 8628 §3.1–3.2: starts a sign-in. Throws `ProviderRequestError` when `name` could not be
 * reached, refused (with its code and, on 429, when to try again), or answered something else.
 */
export async function requestDeviceAuthorization(
  name: string,
  send: () => Promise<ProviderResponse>,
  now: () => number,
): Promise<ParsedDeviceAuthorization> {
  let res: ProviderResponse;
  try {
    res = await send();
  } catch (err) {
    throw new ProviderRequestError(`${name} could not be reached to start a sign-in`, null, { cause: err });
  }
  if (res.status < 200 || res.status > 299) {
    const { code, description } = webexErrorCode(res.body);
    const retryAfterMs =
      res.status === 429 ? (parseRetryAfter(res.headers['retry-after'] ?? null, now()) ?? DEFAULT_RETRY_AFTER_MS) : null;
    throw new ProviderRequestError(
      `${name} refused to start a sign-in (${res.status} ${code ?? ''} ${description})`.trim(),
      res.status,
      {
        retryAfterMs,
        code,
      },
    );
  }
  const a = parseDeviceAuthorization(res.body);
  if (!a) throw new ProviderRequestError(`${name} answered the sign-in request with an unexpected body`, res.status);
  return a;
}

/** RFC 8628 §3.4 / RFC 6749 §6: a token request, read into a `TokenAnswer`. Never throws. */
export async function requestToken(
  send: () => Promise<ProviderResponse>,
  now: () => number,
  dialect: TokenDialect = {},
): Promise<TokenAnswer> {
  try {
    const res = await send();
    return classifyTokenAnswer(
      { status: res.status, retryAfter: res.headers['retry-after'] ?? null, body: res.body },
      now(),
      dialect,
    );
  } catch (err) {
    return classifyTransportError(err);
  }
}

/**
 * The signed-in person's profile with the access token as a Bearer token (RFC 6750 §2.1), mapped
 * by `parse` (`null`: not a profile, named `what` in the error). Never throws.
 */
export async function requestProfile(
  http: ProviderTransport,
  request: { endpoint: ProviderEndpoint; url: string; accessToken: string; signal?: AbortSignal },
  parse: (body: unknown) => Profile | null,
  what: string,
): Promise<ProfileAnswer> {
  let res: ProviderResponse;
  try {
    res = await http.send({
      endpoint: request.endpoint,
      method: 'GET',
      url: request.url,
      headers: { authorization: `Bearer ${request.accessToken}` },
      signal: request.signal,
    });
  } catch (err) {
    return { kind: 'error', transient: true, description: describeTransport(err) };
  }
  if (res.status === 401) return { kind: 'unauthorized' };
  if (res.status === 429) return { kind: 'rate_limited', retryAfter: res.headers['retry-after'] ?? null };
  if (res.status < 200 || res.status > 299) {
    return {
      kind: 'error',
      transient: res.status >= 500,
      description: `HTTP ${res.status} ${webexErrorCode(res.body).description}`.trim(),
    };
  }
  const profile = parse(res.body);
  if (!profile) return { kind: 'error', transient: false, description: `unexpected ${what} body` };
  return { kind: 'ok', profile };
}
