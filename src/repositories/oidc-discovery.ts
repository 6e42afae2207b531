import { z } from 'zod';
import { classifyTransportError } from '../device-flow/classify-token-answer';
import { OidcEndpoints } from '../config/config.schema';
import { ProviderResponse, ProviderTransport } from './provider-http';

/** What discovery found; any endpoint may be missing (the caller decides what it needs). */
export type DiscoveredEndpoints = { [K in keyof OidcEndpoints]: string | null };

export type DiscoveryResult = { ok: true; endpoints: DiscoveredEndpoints } | { ok: false; problem: string };

const endpoint = z
  .url({ protocol: /^https?$/ })
  .nullish()
  .catch(null);

// OpenID Connect Discovery 1.0 §3 / RFC 8414 §2 (RFC 8628 §4 adds device_authorization_endpoint).
const metadataSchema = z.object({
  issuer: z.string().min(1),
  device_authorization_endpoint: endpoint,
  token_endpoint: endpoint,
  userinfo_endpoint: endpoint,
  revocation_endpoint: endpoint,
});

/** Why no answer came: `timed out`, or the innermost cause (`connect ECONNREFUSED 10.0.0.9:443`, `bad port`…). */
function unreachable(err: unknown): string {
  const answer = classifyTransportError(err);
  if (answer.kind === 'transient' && answer.reason === 'timeout') return 'timed out';
  let innermost = err;
  for (let depth = 0; depth < 5 && innermost instanceof Error && innermost.cause instanceof Error; depth++) {
    innermost = innermost.cause;
  }
  return innermost instanceof Error && innermost.message ? innermost.message : 'request failed';
}

/** OIDC Discovery §4.1: any terminating `/` of the issuer goes before the well-known suffix. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Reads the issuer's discovery document once. Every failure is one line naming what to fix,
 * never a stack trace; nothing secret is involved (no credentials are sent).
 */
export async function discoverEndpoints(issuer: string, http: ProviderTransport): Promise<DiscoveryResult> {
  const url = discoveryUrl(issuer);
  let res: ProviderResponse;
  try {
    res = await http.send({ endpoint: 'discovery', method: 'GET', url });
  } catch (err) {
    return {
      ok: false,
      problem: `OIDC_ISSUER: discovery at ${url} failed: the issuer could not be reached (${unreachable(err)})`,
    };
  }
  if (res.status !== 200) {
    return { ok: false, problem: `OIDC_ISSUER: discovery at ${url} answered HTTP ${res.status}; is OIDC_ISSUER the issuer URL?` };
  }
  const parsed = metadataSchema.safeParse(res.body);
  if (!parsed.success) {
    return { ok: false, problem: `OIDC_ISSUER: ${url} is not an OpenID discovery document (no issuer in a JSON object)` };
  }
  const m = parsed.data;
  // OIDC Discovery §4.3: the document must name the issuer it was fetched for, or it may be an impostor.
  if (m.issuer.replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) {
    return { ok: false, problem: `OIDC_ISSUER: the discovery document names the issuer ${m.issuer}, not ${issuer}` };
  }
  return {
    ok: true,
    endpoints: {
      deviceAuthorization: m.device_authorization_endpoint ?? null,
      token: m.token_endpoint ?? null,
      userinfo: m.userinfo_endpoint ?? null,
      revocation: m.revocation_endpoint ?? null,
    },
  };
}
