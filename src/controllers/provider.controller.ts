import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ProviderDescription } from '../repositories/identity-provider';
import { PROVIDER_DESCRIPTION } from '../repositories/tokens';

/** Public: the kiosk page names the provider ("Sign in with …") before any session exists. */
@Controller('api/provider')
export class ProviderController {
  constructor(@Inject(PROVIDER_DESCRIPTION) private readonly provider: ProviderDescription) {}

  @Get()
  @Header('cache-control', 'no-cache')
  describe(): ProviderDescription {
    return this.provider;
  }
}
