import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { OpenAPIObject } from '@nestjs/swagger';
import { asyncApiDocument } from './asyncapi.document';
import { buildOpenApiDocument } from './openapi.document';

/**
 * The API's two descriptions, built once the routes are mapped (`publishApiDocuments`, from
 * `main.ts`) and served by `DocsController`.
 */
export class ApiDocuments {
  openapi: OpenAPIObject | null = null;
  readonly asyncapi: Record<string, unknown>;

  constructor(readonly version: string) {
    this.asyncapi = asyncApiDocument(version);
  }
}

/** Builds the OpenAPI document from the application's own routes; call before `listen`. */
export function publishApiDocuments(app: INestApplication): void {
  const docs = app.get(ApiDocuments);
  docs.openapi = buildOpenApiDocument(app, docs.version);
}

/** The project's version, from the nearest package.json up from here (source and `dist/` alike). */
export function packageVersion(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
  }
  return '0.0.0';
}
