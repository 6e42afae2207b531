import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.token';
import { AppConfig } from '../config/config.schema';
import { NotFoundError, UnauthorizedError } from '../domain/errors';
import { constantTimeEquals } from '../repositories/crypto.repository';
import { LimitsService } from './limits.service';
import { sessionIdSchema } from './session.service';
import { TokenService } from './token.service';

@Injectable()
export class IntegratorService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokenService,
    private readonly limits: LimitsService,
  ) {}

  async token(
    id: string,
    authorization: string | undefined,
    address: string,
  ): Promise<{ accessToken: string; expiresAt: string }> {
    const key = this.config.integratorApiKey;
    // Off when no key is configured: indistinguishable from an unknown route.
    if (!key) throw new NotFoundError('The token API is not enabled');
    await this.limits.assertAuthAllowed('integrator', address);
    const presented = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '';
    if (!constantTimeEquals(presented, key)) {
      // Every wrong key slows the next answer, and enough of them refuse the address (429).
      await this.limits.authFailed('integrator', address);
      throw new UnauthorizedError('A valid integrator API key is required');
    }
    if (!sessionIdSchema.safeParse(id).success) throw new NotFoundError('There is no live token for this session');
    const fresh = await this.tokens.freshAccessToken(id);
    return { accessToken: fresh.accessToken, expiresAt: new Date(fresh.expiresAt).toISOString() };
  }
}
