import { discoverEndpoints } from '../repositories/oidc-discovery';
import { ProviderHttp, ProviderTransport } from '../repositories/provider-http';
import { ConfigError } from './config.loader';
import { AppConfig, OidcEndpoints } from './config.schema';
import { insecureInProduction } from './oidc.settings';

const OVERRIDES: Record<keyof OidcEndpoints, string> = {
  deviceAuthorization: 'OIDC_DEVICE_AUTHORIZATION_URL',
  token: 'OIDC_TOKEN_URL',
  userinfo: 'OIDC_USERINFO_URL',
  revocation: 'OIDC_REVOCATION_URL',
};

const METADATA: Record<keyof OidcEndpoints, string> = {
  deviceAuthorization: 'device_authorization_endpoint',
  token: 'token_endpoint',
  userinfo: 'userinfo_endpoint',
  revocation: 'revocation_endpoint',
};

/**
 * The start-up step after `loadConfig`: with `AUTH_PROVIDER=oidc` and an issuer, reads its
 * discovery document once (bounded by `OIDC_TIMEOUT_MS`) and fills in the endpoints, so the
 * Nest module is only built with a provider that can work. Problems throw a `ConfigError`.
 */
export async function resolveProvider(config: AppConfig, transport?: ProviderTransport): Promise<AppConfig> {
  const oidc = config.oidc;
  if (!oidc || oidc.endpoints || !oidc.issuer) return config;
  const found = await discoverEndpoints(oidc.issuer, transport ?? new ProviderHttp({ timeoutMs: oidc.timeoutMs }));
  if (!found.ok) throw new ConfigError([found.problem]);
  const pick = (key: keyof OidcEndpoints) => oidc.explicit[key] ?? found.endpoints[key];
  const problems: string[] = [];
  for (const key of ['deviceAuthorization', 'token', 'userinfo'] as const) {
    if (pick(key)) continue;
    const hint =
      key === 'deviceAuthorization' ? ' (RFC 8628): the provider does not offer the device flow, or not to this tenant' : '';
    problems.push(`OIDC_ISSUER: ${oidc.issuer} publishes no ${METADATA[key]}${hint}; set ${OVERRIDES[key]} if it has one`);
  }
  const [deviceAuthorization, token, userinfo] = [pick('deviceAuthorization'), pick('token'), pick('userinfo')];
  if (problems.length > 0 || !deviceAuthorization || !token || !userinfo) throw new ConfigError(problems);
  const endpoints: OidcEndpoints = { deviceAuthorization, token, userinfo, revocation: pick('revocation') };
  if (config.nodeEnv === 'production') {
    for (const key of Object.keys(METADATA) as (keyof OidcEndpoints)[]) {
      const url = endpoints[key];
      if (url && insecureInProduction(url)) {
        problems.push(`OIDC_ISSUER: the discovered ${METADATA[key]} ${url} is not https, refused when NODE_ENV=production`);
      }
    }
    if (problems.length > 0) throw new ConfigError(problems);
  }
  return { ...config, oidc: { ...oidc, endpoints } };
}
