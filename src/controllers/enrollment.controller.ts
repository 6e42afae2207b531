import { Body, Controller, Get, Header, HttpCode, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { setCredentialCookie } from '../http/kiosk.guard';
import { ClientAddress } from '../http/request-context';
import { ClientPages } from '../http/client-pages';
import { EnrollmentService } from '../services/enrollment.service';
import { KioskCredentialService } from '../services/kiosk-credential.service';

/** The kiosk's side of enrollment: the page an enrollment link opens, and the token exchange. */
@Controller()
export class EnrollmentController {
  constructor(
    private readonly enrollment: EnrollmentService,
    private readonly credentials: KioskCredentialService,
    private readonly pages: ClientPages,
  ) {}

  /** `/enroll#<token>`: the page reads its fragment and posts the token below. */
  @Get('enroll')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  page(): string {
    return this.pages.get('enroll.html');
  }

  @Post('api/enrollment')
  @HttpCode(200)
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
