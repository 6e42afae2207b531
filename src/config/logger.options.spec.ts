import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.loader';
import { requestLogger } from './logger.options';

describe('requestLogger', () => {
  it.each(['warn', 'error', 'fatal', 'silent'])('is left out at %s, where pino-http would write no line', (LOG_LEVEL) => {
    expect(requestLogger(loadConfig({ NODE_ENV: 'test', LOG_LEVEL }))).toBeNull();
  });

  it.each(['info', 'debug', 'trace'])('logs every request at %s', (LOG_LEVEL) => {
    const log = requestLogger(loadConfig({ NODE_ENV: 'test', LOG_LEVEL }));
    expect(log).toBeTypeOf('function');
    expect(log?.logger.isLevelEnabled('info')).toBe(true);
  });

  it('is built once per configuration', () => {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info' });
    expect(requestLogger(config)).toBe(requestLogger(config));
  });
});
