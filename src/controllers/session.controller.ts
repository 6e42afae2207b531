import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Caller } from '../domain/kiosk';
import { SessionView } from '../domain/session';
import { KioskGuard, setCredentialCookie } from '../http/kiosk.guard';
import { context, KioskCaller } from '../http/request-context';
import { KioskCredentialService } from '../services/kiosk-credential.service';
import { KioskSessionService } from '../services/kiosk-session.service';

@Controller('api/sessions')
@UseGuards(KioskGuard)
export class SessionController {
  constructor(
    private readonly sessions: KioskSessionService,
    private readonly credentials: KioskCredentialService,
  ) {}

  @Post()
  @HttpCode(201)
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
  get(@Param('id') id: string, @KioskCaller() caller: Caller): Promise<SessionView> {
    return this.sessions.get(id, caller);
  }

  @Delete(':id')
  end(@Param('id') id: string, @KioskCaller() caller: Caller): Promise<SessionView> {
    return this.sessions.end(id, caller);
  }

  @Get(':id/qr.svg')
  async qr(@Param('id') id: string, @KioskCaller() caller: Caller, @Res({ passthrough: true }) res: Response): Promise<string> {
    const svg = await this.sessions.qrSvg(id, caller);
    // Set here, not by decorator: an error answer must stay JSON, not be labelled an image.
    res.type('image/svg+xml');
    return svg;
  }
}
