/** Injection token for the one `AppConfig` object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
