import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from '../config/config.schema';
import { LimitsService } from '../services/limits.service';
import { basicVerdict, bearerVerdict, operatorAuth } from './basic-auth.middleware';
import { apiBodyParser } from './body-parser.middleware';
import { clientAddressResolver, compileTrust } from './client-address';
import { clientAddressMiddleware } from './request-context';
import { bullBoardPage, noStore, securityHeaders } from './security-headers';

/**
 * The HTTP edge's protections, in the order a request meets them: client address (TRUST_PROXY),
 * security headers, then per area — `/api`: no-store and JSON-only bodies; `/admin`: operator
 * credentials with failure limits, JSON-only mutations; `/metrics`: credentials unless public.
 */
export function applyHttpSecurity(app: NestExpressApplication, config: AppConfig): void {
  const { security, dashboard } = config;
  const limits = app.get(LimitsService);
  app.disable('x-powered-by');
  app.set('trust proxy', compileTrust(security.trustProxy));
  app.use(clientAddressMiddleware(clientAddressResolver(security.trustProxy)));
  app.use(securityHeaders(config));
  app.use('/api', noStore, ...apiBodyParser());

  const operator = (header: string | undefined) => basicVerdict(header, dashboard.user, dashboard.password);
  app.use('/admin', operatorAuth({ check: operator, kind: 'operator', limits }));
  app.use('/admin/kiosks', ...apiBodyParser());
  app.use('/admin/queues', bullBoardPage(config));

  if (!security.metrics.public) {
    const token = security.metrics.token;
    // A Prometheus scraper may use the dashboard's Basic credentials or, better, its own bearer token.
    const metrics = (header: string | undefined) =>
      operator(header) === 'ok' || bearerVerdict(header, token) === 'ok' ? 'ok' : header ? 'wrong' : 'absent';
    app.use('/metrics', operatorAuth({ check: metrics, kind: 'metrics', limits, realm: 'Kiosk Sign-in metrics' }));
  }
}
