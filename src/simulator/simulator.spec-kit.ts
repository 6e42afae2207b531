/**
 * Shared set-up for the simulator's specs. Type-only imports of test tools,
 * so this file compiles harmlessly into a production build.
 */
import type { Agent, Response, Test } from 'supertest';
import { DEFAULT_SETTINGS, createWebexSimulator, type SimulatorSettings, type WebexSimulator } from './webex-simulator';

export const PUBLIC_BASE = 'http://kiosk.test/sim';
export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const SCOPES = 'spark:all meeting:recordings_read';

/** A clock that moves only when told, so interval and expiry checks are exact. */
export class FakeClock {
  private t = Date.UTC(2025, 0, 15, 9, 0, 0);
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
  advanceS(seconds: number): void {
    this.t += seconds * 1000;
  }
}

export interface TestSim {
  sim: WebexSimulator;
  clock: FakeClock;
  logLines: string[];
}

export function makeTestSim(settings: Partial<SimulatorSettings> = {}): TestSim {
  const clock = new FakeClock();
  const logLines: string[] = [];
  const sim = createWebexSimulator({
    publicBaseUrl: PUBLIC_BASE,
    settings,
    now: clock.now,
    logger: (line) => logLines.push(line),
  });
  return { sim, clock, logLines };
}

export function basicAuth(id: string = DEFAULT_SETTINGS.clientId, secret: string = DEFAULT_SETTINGS.clientSecret): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export interface Authorized {
  deviceCode: string;
  userCode: string;
  body: Record<string, unknown>;
}

export async function authorize(http: Agent): Promise<Authorized> {
  const res = await http.post('/v1/device/authorize').type('form').send({ client_id: DEFAULT_SETTINGS.clientId, scope: SCOPES });
  if (res.status !== 200) throw new Error(`authorize answered ${res.status}`);
  const body = res.body as Record<string, unknown>;
  return { deviceCode: String(body['device_code']), userCode: String(body['user_code']), body };
}

export function poll(http: Agent, deviceCode: string, auth: string = basicAuth()): Test {
  return http
    .post('/v1/device/token')
    .set('Authorization', auth)
    .type('form')
    .send({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: DEFAULT_SETTINGS.clientId });
}

export function refresh(http: Agent, refreshToken: string, secret: string = DEFAULT_SETTINGS.clientSecret): Promise<Response> {
  return http.post('/v1/access_token').type('form').send({
    grant_type: 'refresh_token',
    client_id: DEFAULT_SETTINGS.clientId,
    client_secret: secret,
    refresh_token: refreshToken,
  });
}

export function peopleMe(http: Agent, accessToken: string): Promise<Response> {
  return http.get('/v1/people/me').set('Authorization', `Bearer ${accessToken}`);
}

/** Authorizes, approves and redeems: the tokens of one finished sign-in. */
export async function signIn(
  http: Agent,
  t: TestSim,
  displayName = 'Ada Lovelace',
): Promise<{ userCode: string; accessToken: string; refreshToken: string }> {
  const { deviceCode, userCode } = await authorize(http);
  t.sim.approve(userCode, { displayName });
  t.clock.advanceS(t.sim.settings.intervalS);
  const res = await poll(http, deviceCode);
  if (res.status !== 200) throw new Error(`redeem answered ${res.status}`);
  const body = res.body as { access_token: string; refresh_token: string };
  return { userCode, accessToken: body.access_token, refreshToken: body.refresh_token };
}

/** Every Webex error body has this shape. */
export function expectWebexError(res: Response, status: number, message: string): void {
  const body = res.body as { message?: unknown; errors?: unknown; trackingId?: unknown };
  const ok =
    res.status === status &&
    body.message === message &&
    Array.isArray(body.errors) &&
    typeof (body.errors[0] as { description?: unknown } | undefined)?.description === 'string' &&
    typeof body.trackingId === 'string' &&
    body.trackingId.startsWith('SIM_');
  if (!ok) {
    throw new Error(`expected ${status} ${message}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
}
