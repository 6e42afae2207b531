import { Body, Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { ApiBasicAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, BODY_ERRORS, STORE_ERRORS } from '../http/openapi/error-codes';
import { schemaRef } from '../http/openapi/schemas';
import { EnrollmentLink, KioskView } from '../domain/kiosk';
import { ClientPages } from '../http/client-pages';
import { EnrollmentService } from '../services/enrollment.service';
import { FleetAuthService } from '../services/fleet-auth.service';

/**
 * The operators' fleet view and kiosk enrollment; `/admin/*` is behind HTTP Basic auth (see
 * `security.setup.ts`). Mutations are POSTs with a JSON body only, so a cross-site form riding on
 * the browser's cached Basic credentials cannot make them (415 before any handler runs).
 */
@ApiTags('operators')
@ApiBasicAuth('operator')
@ApiErrors('unauthorized', 'rate_limited')
@Controller('admin/kiosks')
export class FleetController {
  constructor(
    private readonly auth: FleetAuthService,
    private readonly enrollment: EnrollmentService,
    private readonly pages: ClientPages,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The live fleet view (its data comes over Socket.IO, namespace /admin)' })
  @ApiResponse({ status: 200, description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } })
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  page(): string {
    return this.pages.get('admin/kiosks.html');
  }

  @Get('ticket')
  @ApiOperation({
    summary: 'A short-lived ticket for the /admin Socket.IO namespace (browsers cannot send Basic credentials on a WebSocket)',
  })
  @ApiResponse({ status: 200, description: 'the ticket', schema: schemaRef('FleetTicket') })
  @Header('cache-control', 'no-store')
  ticket(): { ticket: string; expiresAt: string } {
    return this.auth.issue();
  }

  @Get('enrolled')
  @ApiOperation({ summary: 'The enrolled kiosks' })
  @ApiResponse({
    status: 200,
    description: 'the kiosks',
    schema: { type: 'object', required: ['kiosks'], properties: { kiosks: { type: 'array', items: schemaRef('KioskView') } } },
  })
  @ApiErrors(...STORE_ERRORS)
  @Header('cache-control', 'no-store')
  async enrolled(): Promise<{ kiosks: KioskView[] }> {
    return { kiosks: await this.enrollment.list() };
  }

  @Post('enrollments')
  @HttpCode(201)
  @ApiOperation({ summary: 'A one-time enrollment link (valid 24 h) and its QR code for a kiosk id' })
  @ApiBody({ schema: schemaRef('KioskIdBody') })
  @ApiResponse({ status: 201, description: 'the link', schema: schemaRef('EnrollmentLink') })
  @ApiErrors(...BODY_ERRORS, 'invalid_request', ...STORE_ERRORS)
  @Header('cache-control', 'no-store')
  enroll(@Body() body: unknown): Promise<EnrollmentLink> {
    return this.enrollment.createLink(body);
  }

  @Post('revocations')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a kiosk: refused from now on, its connections closed, its sessions ended' })
  @ApiBody({ schema: schemaRef('KioskIdBody') })
  @ApiResponse({
    status: 200,
    description: 'revoked',
    schema: {
      type: 'object',
      required: ['kioskId', 'sessionsEnded'],
      properties: { kioskId: { type: 'string' }, sessionsEnded: { type: 'integer' } },
      additionalProperties: false,
    },
  })
  @ApiErrors(...BODY_ERRORS, 'invalid_request', 'not_found', ...STORE_ERRORS)
  @Header('cache-control', 'no-store')
  revoke(@Body() body: unknown): Promise<{ kioskId: string; sessionsEnded: number }> {
    return this.enrollment.revoke(body);
  }
}
