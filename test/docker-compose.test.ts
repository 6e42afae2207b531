import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './support/processes';

/**
 * Issue #13.10: docker-compose.yml has not been run here — no container registry is reachable, so
 * the images it names (redis, nginx, node) cannot be pulled (README, "Scaling out"). What can be
 * checked without an engine is checked: the file against the Compose Specification's JSON schema
 * (the copy the Docker Compose linter `dclint` ships and keeps current), the files it mounts and
 * builds from, and the settings the service's own rules depend on.
 */

interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  volumes?: string[];
  depends_on?: unknown;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

function readCompose(): ComposeFile {
  // `merge: true`: the file shares settings through YAML merge keys (`<<: *service`).
  return parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
}

function composeSchema(): object {
  // dclint's package exports do not list the schema: found beside its entry point (dist/…).
  const file = join(dirname(require.resolve('dclint')), '..', 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // The schema names its draft-07 meta-schema by an https address Ajv does not know by that name;
  // Ajv's default meta-schema is draft-07, so dropping the reference changes nothing else.
  expect(schema.$schema).toBe('https://json-schema.org/draft-07/schema');
  delete schema.$schema;
  return schema;
}

/** "20s", "1m30s" → ms (the Compose duration format used here). */
function durationMs(value: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
  let total = 0;
  for (const [, n, unit] of value.matchAll(/(\d+)(ms|h|m|s)/g)) total += Number(n) * units[unit];
  return total;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(composeSchema());
    const valid = validate(readCompose());
    expect(validate.errors ?? [], ajv.errorsText(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is refused by the same schema when a service is malformed (the check is not vacuous)', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(composeSchema());
    const broken = readCompose();
    (broken.services.worker as Record<string, unknown>).stop_grace_perod = '20s';
    (broken.services.redis as Record<string, unknown>).depends_on = 42;
    expect(validate(broken)).toBe(false);
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath} ${JSON.stringify(e.params)}`);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/services\/worker .*stop_grace_perod/),
        expect.stringMatching(/^\/services\/redis\/depends_on /),
      ]),
    );
  });

  it('builds from and mounts files that exist', () => {
    const compose = readCompose();
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('./')) expect(existsSync(join(ROOT, source)), `${name}: ${volume}`).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), `${name}: ${volume}`).toContain(source);
      }
    }
  });

  it('runs the roles and settings the service relies on', () => {
    const { services } = readCompose();
    expect(services['api-1']?.environment).toMatchObject({ ROLE: 'api', NODE_ENV: 'production' });
    expect(services['api-2']?.environment).toMatchObject({ ROLE: 'api' });
    expect(services.worker?.environment).toMatchObject({ ROLE: 'worker', NODE_ENV: 'production' });
    expect(services['api-1']?.healthcheck?.test.join(' ')).toContain('/readyz');
    // Evicting a session or a job key would lose sign-ins silently (README, "Scaling out").
    expect(services.redis?.command).toEqual(expect.arrayContaining(['--maxmemory-policy', 'noeviction']));
    // A stopping worker gets longer than the service's own shutdown bound (SHUTDOWN_TIMEOUT_MS, 15 s).
    expect(durationMs(services.worker?.stop_grace_period ?? '10s')).toBeGreaterThan(15_000);
  });
});
