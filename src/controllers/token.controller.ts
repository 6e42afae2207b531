import { Controller, Get, Header, Headers, Param } from '@nestjs/common';
import { IntegratorService } from '../services/integrator.service';

/** The integrator API: a fresh access token for a signed-in session, behind a bearer key. */
@Controller('api/sessions')
export class TokenController {
  constructor(private readonly integrator: IntegratorService) {}

  @Get(':id/token')
  @Header('cache-control', 'no-store')
  token(@Param('id') id: string, @Headers('authorization') authorization: string | undefined) {
    return this.integrator.token(id, authorization);
  }
}
