import { Body, Controller, Get, Header, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, BODY_ERRORS, STORE_ERRORS } from '../http/openapi/error-codes';
import { schemaRef } from '../http/openapi/schemas';
import type { Response } from 'express';
import { setCredentialCookie } from '../http/kiosk.guard';
import { ClientAddress } from '../http/request-context';
import { ClientPages } from '../http/client-pages';
import { EnrollmentService } from '../services/enrollment.service';
import { KioskCredentialService } from '../services/kiosk-credential.service';

/** The kiosk's side of enrollment: the page an enrollment link opens, and the token exchange. */
@ApiTags('enrollment')
@Controller()
export class EnrollmentController {
  constructor(
    private readonly enrollment: EnrollmentService,
    private readonly credentials: KioskCredentialService,
    private readonly pages: ClientPages,
  ) {}

  /** `/enroll#<token>`: the page reads its fragment and posts the token below. */
  @Get('enroll')
  @ApiOperation({ summary: 'The page an enrollment link opens on the kiosk (`/enroll#<token>`)' })
  @ApiResponse({ status: 200, description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } })
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  page(): string {
    return this.pages.get('enroll.html');
  }

  @Post('api/enrollment')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Redeem an enrollment link: the kiosk gets its credential',
    description: 'Sets the credential as an HttpOnly, SameSite=Strict cookie. A link works once, within 24 h.',
  })
  @ApiBody({ schema: schemaRef('EnrollmentRedeemBody') })
  @ApiResponse({
    status: 200,
    description: 'enrolled',
    headers: { 'Set-Cookie': { description: 'the kiosk credential', schema: { type: 'string' } } },
    schema: { type: 'object', required: ['kioskId'], properties: { kioskId: { type: 'string' } }, additionalProperties: false },
  })
  @ApiErrors(...BODY_ERRORS, 'invalid_request', 'not_found', 'rate_limited', ...STORE_ERRORS)
  async redeem(
    @Body() body: unknown,
    @ClientAddress() address: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ kioskId: string }> {
    const { kioskId, credential } = await this.enrollment.redeem(body, address);
    setCredentialCookie(res, this.credentials, credential);
    return { kioskId };
  }
}
