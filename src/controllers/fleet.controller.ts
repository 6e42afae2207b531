import { Body, Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { EnrollmentLink, KioskView } from '../domain/kiosk';
import { ClientPages } from '../http/client-pages';
import { EnrollmentService } from '../services/enrollment.service';
import { FleetAuthService } from '../services/fleet-auth.service';

/**
 * The operators' fleet view and kiosk enrollment; `/admin/*` is behind HTTP Basic auth (see
 * `security.setup.ts`). Mutations are POSTs with a JSON body only, so a cross-site form riding on
 * the browser's cached Basic credentials cannot make them (415 before any handler runs).
 */
@Controller('admin/kiosks')
export class FleetController {
  constructor(
    private readonly auth: FleetAuthService,
    private readonly enrollment: EnrollmentService,
    private readonly pages: ClientPages,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  page(): string {
    return this.pages.get('admin/kiosks.html');
  }

  @Get('ticket')
  @Header('cache-control', 'no-store')
  ticket(): { ticket: string; expiresAt: string } {
    return this.auth.issue();
  }

  @Get('enrolled')
  @Header('cache-control', 'no-store')
  async enrolled(): Promise<{ kiosks: KioskView[] }> {
    return { kiosks: await this.enrollment.list() };
  }

  @Post('enrollments')
  @HttpCode(201)
  @Header('cache-control', 'no-store')
  enroll(@Body() body: unknown): Promise<EnrollmentLink> {
    return this.enrollment.createLink(body);
  }

  @Post('revocations')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  revoke(@Body() body: unknown): Promise<{ kioskId: string; sessionsEnded: number }> {
    return this.enrollment.revoke(body);
  }
}
