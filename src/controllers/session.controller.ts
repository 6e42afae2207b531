import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Caller } from '../domain/kiosk';
import { SessionView } from '../domain/session';
import { KioskGuard, setCredentialCookie } from '../http/kiosk.guard';
import { ApiErrors, BODY_ERRORS, STORE_ERRORS } from '../http/openapi/error-codes';
import { schemaRef } from '../http/openapi/schemas';
import { context, KioskCaller } from '../http/request-context';
import { KioskCredentialService } from '../services/kiosk-credential.service';
import { KioskSessionService } from '../services/kiosk-session.service';

@ApiTags('sessions')
@ApiCookieAuth('kiosk')
@ApiErrors('kiosk_not_enrolled', ...STORE_ERRORS)
@Controller('api/sessions')
@UseGuards(KioskGuard)
export class SessionController {
  constructor(
    private readonly sessions: KioskSessionService,
    private readonly credentials: KioskCredentialService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Start a sign-in (RFC 8628 device authorization)',
    description: 'A kiosk holds at most one pending sign-in: starting another cancels the previous one (pushed as `cancelled`).',
  })
  @ApiBody({ schema: schemaRef('CreateSessionBody') })
  @ApiResponse({ status: 201, description: 'the new pending session', schema: schemaRef('SessionView') })
  @ApiErrors(...BODY_ERRORS, 'invalid_request', 'rate_limited', 'upstream_error')
  async create(
    @Body() body: unknown,
    @KioskCaller() caller: Caller,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SessionView> {
    const view = await this.sessions.create(body, caller);
    // Every sign-in renews the kiosk's credential cookie (and re-signs it after a key rotation).
    const credential = context(req).credential;
    if (credential) setCredentialCookie(res, this.credentials, this.credentials.resign(credential));
    return view;
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a session' })
  @ApiResponse({ status: 200, description: 'the session', schema: schemaRef('SessionView') })
  @ApiErrors('not_found')
  get(@Param('id') id: string, @KioskCaller() caller: Caller): Promise<SessionView> {
    return this.sessions.get(id, caller);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'End a session: cancel it while pending, sign out once authorized',
    description: 'Idempotent: a session already ended is answered as it is.',
  })
  @ApiResponse({ status: 200, description: 'the session, `cancelled` or `signed_out`', schema: schemaRef('SessionView') })
  @ApiErrors('not_found')
  end(@Param('id') id: string, @KioskCaller() caller: Caller): Promise<SessionView> {
    return this.sessions.end(id, caller);
  }

  @Get(':id/qr.svg')
  @ApiOperation({ summary: 'QR code of verificationUriComplete' })
  @ApiResponse({ status: 200, description: 'SVG image', content: { 'image/svg+xml': { schema: { type: 'string' } } } })
  @ApiErrors('not_found')
  async qr(@Param('id') id: string, @KioskCaller() caller: Caller, @Res({ passthrough: true }) res: Response): Promise<string> {
    const svg = await this.sessions.qrSvg(id, caller);
    // Set here, not by decorator: an error answer must stay JSON, not be labelled an image.
    res.type('image/svg+xml');
    return svg;
  }
}
