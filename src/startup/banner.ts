import type { AppConfig } from '../config/config.schema';

/**
 * What a process says once it is up, in two shapes: lines for a person at a terminal (demo and
 * development, pretty logs) and one log record for a log shipper (JSON logs, production). Both are
 * built from the same facts so they cannot drift apart. Pure: no I/O.
 */
export interface BannerFacts {
  role: AppConfig['role'];
  publicUrl: string;
  simulated: boolean;
  /** The private demo redis-server's address, or null when `REDIS_URL` is set. */
  demoRedisUrl: string | null;
  /** Only when the credentials were generated for this run (never in production). */
  generatedLogin: { user: string; password: string } | null;
  tokenKeyGenerated: boolean;
}

export function bannerFacts(config: AppConfig, demoRedisUrl: string | null): BannerFacts {
  return {
    role: config.role,
    publicUrl: config.http.publicUrl,
    simulated: config.webex.simulated,
    demoRedisUrl,
    generatedLogin: config.dashboard.generated ? { user: config.dashboard.user, password: config.dashboard.password } : null,
    tokenKeyGenerated: config.tokenKeys.generated,
  };
}

export const bannerMessage = (f: BannerFacts) => `Kiosk Sign-in (${f.role}) is running.`;

/** The addresses worth printing; a worker has no HTTP port, so none of the pages. */
export function bannerUrls(f: BannerFacts): Record<string, string> {
  const urls: Record<string, string> = {};
  if (f.role !== 'worker') {
    urls.kioskPage = `${f.publicUrl}/?kiosk=lobby-1`;
    urls.fleetView = `${f.publicUrl}/admin/kiosks`;
    urls.queueDashboard = `${f.publicUrl}/admin/queues`;
    if (f.simulated) urls.webexSimulator = `${f.publicUrl}/sim/verify`;
  }
  return urls;
}

/** The human banner. The generated password comes last but one: it is what a newcomer looks for. */
export function bannerLines(f: BannerFacts): string[] {
  const urls = bannerUrls(f);
  const lines = [bannerMessage(f)];
  if (urls.kioskPage) lines.push(`  Kiosk page:        ${urls.kioskPage}`);
  if (urls.fleetView) lines.push(`  Fleet view:        ${urls.fleetView}`);
  if (urls.queueDashboard) lines.push(`  Queue dashboard:   ${urls.queueDashboard}`);
  if (urls.webexSimulator) lines.push(`  Webex simulator:   ${urls.webexSimulator}  (approve sign-ins here)`);
  if (f.demoRedisUrl !== null) lines.push(`  Redis (demo):      ${f.demoRedisUrl}, kept in memory only`);
  if (f.generatedLogin !== null && f.role !== 'worker') lines.push(loginLine(f.generatedLogin));
  if (f.tokenKeyGenerated) lines.push('  Token key:         generated for this run; tokens do not survive a restart');
  return lines;
}

export function loginLine(login: { user: string; password: string }): string {
  return `  Dashboard login:   ${login.user} / ${login.password}  (generated; set DASHBOARD_PASSWORD)`;
}

/**
 * The same facts as one log record's fields. Never the password: log records are shipped and kept,
 * so a generated password is only said to exist (`main.ts` prints it on stderr).
 */
export function bannerFields(f: BannerFacts): Record<string, unknown> {
  const demo = {
    redis: f.demoRedisUrl,
    webexSimulator: f.simulated,
    dashboardLoginGenerated: f.generatedLogin !== null && f.role !== 'worker',
    tokenKeyGenerated: f.tokenKeyGenerated,
  };
  const anyDemo = demo.redis !== null || demo.webexSimulator || demo.dashboardLoginGenerated || demo.tokenKeyGenerated;
  return { event: 'started', urls: bannerUrls(f), demo: anyDemo ? demo : null };
}
