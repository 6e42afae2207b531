import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { SessionView } from '../domain/session';
import { SessionService } from '../services/session.service';

@Controller('api/sessions')
export class SessionController {
  constructor(private readonly sessions: SessionService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown): Promise<SessionView> {
    return this.sessions.create(body);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<SessionView> {
    return this.sessions.get(id);
  }

  @Delete(':id')
  end(@Param('id') id: string): Promise<SessionView> {
    return this.sessions.end(id);
  }

  @Get(':id/qr.svg')
  @Header('content-type', 'image/svg+xml')
  @Header('cache-control', 'no-store')
  qr(@Param('id') id: string): Promise<string> {
    return this.sessions.qrSvg(id);
  }
}
