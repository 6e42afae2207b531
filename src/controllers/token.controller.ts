import { Controller, Get, Headers, Param } from '@nestjs/common';
import { ClientAddress } from '../http/request-context';
import { IntegratorService } from '../services/integrator.service';

/** The integrator API: a fresh access token for a signed-in session, behind a bearer key. */
@Controller('api/sessions')
export class TokenController {
  constructor(private readonly integrator: IntegratorService) {}

  @Get(':id/token')
  token(@Param('id') id: string, @Headers('authorization') authorization: string | undefined, @ClientAddress() address: string) {
    return this.integrator.token(id, authorization, address);
  }
}
