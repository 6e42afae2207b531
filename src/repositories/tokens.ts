/** Injection tokens for values that are not classes. */
export const REDIS_COMMAND = Symbol('REDIS_COMMAND');
export const REDIS_FACTORY = Symbol('REDIS_FACTORY');
/** The `ProviderDescription` of the configured identity provider (`GET /api/provider`). */
export const PROVIDER_DESCRIPTION = Symbol('PROVIDER_DESCRIPTION');
