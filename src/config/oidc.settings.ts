import { ClientAuthMethod, OidcConfig, OidcEndpoints, ParsedEnv } from './config.schema';

/** Hosts whose plain-http URLs are acceptable even in production: nothing leaves the machine. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** In production tokens and client secrets only travel over TLS, except to the machine itself. */
export function insecureInProduction(url: string): boolean {
  return new URL(url).protocol !== 'https:' && !isLoopbackUrl(url);
}

// Names people recognise on the kiosk button, for the issuers everyone knows; anything else shows its host.
const KNOWN_ISSUERS: [RegExp, string][] = [
  [/(^|\.)microsoftonline\.(com|us)$/, 'Microsoft'],
  [/(^|\.)accounts\.google\.com$/, 'Google'],
  [/(^|\.)okta(preview)?\.com$/, 'Okta'],
  [/(^|\.)auth0\.com$/, 'Auth0'],
];

/** `OIDC_PROVIDER_NAME` when unset: a well-known name, or the issuer's (or token endpoint's) host. */
export function defaultProviderName(url: string): string {
  const host = new URL(url).hostname;
  return KNOWN_ISSUERS.find(([pattern]) => pattern.test(host))?.[1] ?? host;
}

const EXPLICIT = ['OIDC_DEVICE_AUTHORIZATION_URL', 'OIDC_TOKEN_URL', 'OIDC_USERINFO_URL'] as const;

/** Cross-field checks of the OIDC variables, one line per problem. */
export function oidcProblems(e: ParsedEnv): string[] {
  if (e.AUTH_PROVIDER !== 'oidc') return [];
  const problems: string[] = [];
  if (!e.OIDC_CLIENT_ID) problems.push('OIDC_CLIENT_ID: required when AUTH_PROVIDER=oidc');
  if (!e.OIDC_ISSUER && EXPLICIT.some((name) => !e[name])) {
    const missing = EXPLICIT.filter((name) => !e[name]).join(', ');
    problems.push(`OIDC_ISSUER: required when AUTH_PROVIDER=oidc, unless the endpoints are given (missing ${missing})`);
  }
  const method = clientAuth(e);
  if (method !== 'none' && !e.OIDC_CLIENT_SECRET) {
    problems.push(`OIDC_CLIENT_SECRET: required when OIDC_CLIENT_AUTH=${method}`);
  }
  if (method === 'none' && e.OIDC_CLIENT_SECRET) {
    problems.push('OIDC_CLIENT_SECRET: set, but OIDC_CLIENT_AUTH=none (a public client has no secret); choose one');
  }
  if (e.NODE_ENV === 'production') {
    for (const name of ['OIDC_ISSUER', ...EXPLICIT, 'OIDC_REVOCATION_URL'] as const) {
      const url = e[name];
      if (url && insecureInProduction(url)) problems.push(`${name}: must be https when NODE_ENV=production`);
    }
  }
  return problems;
}

/** RFC 6749 §2.3.1 names Basic as the method every server must support, so it is the default with a secret. */
function clientAuth(e: ParsedEnv): ClientAuthMethod {
  return e.OIDC_CLIENT_AUTH ?? (e.OIDC_CLIENT_SECRET ? 'client_secret_basic' : 'none');
}

/** Only called after `oidcProblems` found nothing. */
export function oidcConfig(e: ParsedEnv): OidcConfig | null {
  if (e.AUTH_PROVIDER !== 'oidc') return null;
  const explicit: Partial<OidcEndpoints> = {
    deviceAuthorization: e.OIDC_DEVICE_AUTHORIZATION_URL,
    token: e.OIDC_TOKEN_URL,
    userinfo: e.OIDC_USERINFO_URL,
    revocation: e.OIDC_REVOCATION_URL,
  };
  const { deviceAuthorization, token, userinfo } = explicit;
  // Everything given: no discovery at start.
  const endpoints =
    !e.OIDC_ISSUER && deviceAuthorization && token && userinfo
      ? { deviceAuthorization, token, userinfo, revocation: explicit.revocation ?? null }
      : null;
  return {
    name: e.OIDC_PROVIDER_NAME ?? defaultProviderName(e.OIDC_ISSUER ?? token ?? ''),
    issuer: e.OIDC_ISSUER ?? null,
    explicit,
    endpoints,
    clientId: e.OIDC_CLIENT_ID ?? '',
    clientSecret: e.OIDC_CLIENT_SECRET ?? null,
    clientAuth: clientAuth(e),
    scopes: e.OIDC_SCOPES,
    timeoutMs: e.OIDC_TIMEOUT_MS,
  };
}
