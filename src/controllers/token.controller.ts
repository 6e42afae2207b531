import { Controller, Get, Headers, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, STORE_ERRORS } from '../http/openapi/error-codes';
import { schemaRef } from '../http/openapi/schemas';
import { ClientAddress } from '../http/request-context';
import { IntegratorService } from '../services/integrator.service';

/** The integrator API: a fresh access token for a signed-in session, behind a bearer key. */
@ApiTags('integrator')
@ApiBearerAuth('integrator')
@Controller('api/sessions')
export class TokenController {
  constructor(private readonly integrator: IntegratorService) {}

  @Get(':id/token')
  @ApiOperation({
    summary: 'A fresh access token of a signed-in session (valid at least a minute; refreshed first if needed)',
    description: '`not_found` also when the token API is off (no INTEGRATOR_API_KEY) or the session has no live token.',
  })
  @ApiParam({ name: 'id', description: 'the session id' })
  @ApiResponse({ status: 200, description: 'the access token', schema: schemaRef('IntegratorToken') })
  @ApiErrors('unauthorized', 'not_found', 'rate_limited', 'upstream_error', ...STORE_ERRORS)
  token(@Param('id') id: string, @Headers('authorization') authorization: string | undefined, @ClientAddress() address: string) {
    return this.integrator.token(id, authorization, address);
  }
}
