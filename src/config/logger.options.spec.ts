import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.loader';
import { requestLogger } from './logger.options';

describe('requestLogger', () => {
  it.each(['warn', 'error', 'fatal', 'silent'])('is left out at %s, where pino-http would write no line', (LOG_LEVEL) => {
    expect(requestLogger(loadConfig({ NODE_ENV: 'test', LOG_LEVEL }))).toBeNull();
  });

  // That its lines are written at `info` is test/production-logs.test.ts's to show.
  it.each(['info', 'debug', 'trace'])('is mounted at %s', (LOG_LEVEL) => {
    expect(requestLogger(loadConfig({ NODE_ENV: 'test', LOG_LEVEL }))).toBeTypeOf('function');
  });

  it('is built once per configuration', () => {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info' });
    expect(requestLogger(config)).toBe(requestLogger(config));
  });
});
