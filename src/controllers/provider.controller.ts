import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { schemaRef } from '../http/openapi/schemas';
import { ProviderDescription } from '../repositories/identity-provider';
import { PROVIDER_DESCRIPTION } from '../repositories/tokens';

/** Public: the kiosk page names the provider ("Sign in with …") before any session exists. */
@ApiTags('sessions')
@Controller('api/provider')
export class ProviderController {
  constructor(@Inject(PROVIDER_DESCRIPTION) private readonly provider: ProviderDescription) {}

  @Get()
  @ApiOperation({ summary: 'Who people sign in with (the kiosk page names it before any session)' })
  @ApiResponse({ status: 200, description: 'the provider', schema: schemaRef('SessionProvider') })
  @Header('cache-control', 'no-cache')
  describe(): ProviderDescription {
    return this.provider;
  }
}
