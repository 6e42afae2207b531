import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ServiceUnavailableError } from '../domain/errors';
import { ClientPages } from '../http/client-pages';
import { ApiDocuments } from '../http/openapi/api-documents';

/** The API's own description: OpenAPI for HTTP, AsyncAPI for Socket.IO, and a page to read them. */
@ApiTags('docs')
@Controller('api')
export class DocsController {
  constructor(
    private readonly docs: ApiDocuments,
    private readonly pages: ClientPages,
  ) {}

  @Get('openapi.json')
  @ApiOperation({ summary: 'This document (OpenAPI 3.1)' })
  @ApiResponse({ status: 200, description: 'OpenAPI document', schema: { type: 'object' } })
  openapi(): object {
    if (!this.docs.openapi) throw new ServiceUnavailableError('The API description is being built; try again shortly');
    return this.docs.openapi;
  }

  @Get('asyncapi.json')
  @ApiOperation({ summary: 'The Socket.IO events (AsyncAPI 3.0)' })
  @ApiResponse({ status: 200, description: 'AsyncAPI document', schema: { type: 'object' } })
  asyncapi(): object {
    return this.docs.asyncapi;
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiOperation({ summary: 'A page to read both documents (Swagger UI and the Socket.IO events)' })
  @ApiResponse({ status: 200, description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } })
  page(): string {
    return this.pages.get('api-docs.html');
  }
}
