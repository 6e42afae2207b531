import { Controller, Get, Header } from '@nestjs/common';
import { FLEET_PAGE } from '../admin/fleet.page';
import { FleetAuthService } from '../services/fleet-auth.service';

/** The operators' fleet view; `/admin/*` is behind HTTP Basic auth (see `main.ts`). */
@Controller('admin/kiosks')
export class FleetController {
  constructor(private readonly auth: FleetAuthService) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  page(): string {
    return FLEET_PAGE;
  }

  @Get('ticket')
  @Header('cache-control', 'no-store')
  ticket(): { ticket: string; expiresAt: string } {
    return this.auth.issue();
  }
}
