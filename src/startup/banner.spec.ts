import { describe, expect, it } from 'vitest';
import { bannerFields, bannerLines, bannerMessage, type BannerFacts } from './banner';

const demo: BannerFacts = {
  role: 'all',
  publicUrl: 'http://localhost:3000',
  simulated: true,
  demoRedisUrl: 'redis://127.0.0.1:41234',
  generatedLogin: { user: 'admin', password: 'generated-secret-1' },
  tokenKeyGenerated: true,
};

const production: BannerFacts = {
  role: 'api',
  publicUrl: 'https://kiosks.example.com',
  simulated: false,
  demoRedisUrl: null,
  generatedLogin: null,
  tokenKeyGenerated: false,
};

describe('the start banner', () => {
  it('tells a person in demo mode everything, the generated login last but one', () => {
    expect(bannerLines(demo)).toEqual([
      'Kiosk Sign-in (all) is running.',
      '  Kiosk page:        http://localhost:3000/?kiosk=lobby-1',
      '  Fleet view:        http://localhost:3000/admin/kiosks',
      '  Queue dashboard:   http://localhost:3000/admin/queues',
      '  Webex simulator:   http://localhost:3000/sim/verify  (approve sign-ins here)',
      '  Redis (demo):      redis://127.0.0.1:41234, kept in memory only',
      '  Dashboard login:   admin / generated-secret-1  (generated; set DASHBOARD_PASSWORD)',
      '  Token key:         generated for this run; tokens do not survive a restart',
    ]);
  });

  it('as a log record: the addresses as fields, and never the password', () => {
    const fields = bannerFields(demo);
    expect(fields).toMatchObject({
      event: 'started',
      urls: { kioskPage: 'http://localhost:3000/?kiosk=lobby-1', webexSimulator: 'http://localhost:3000/sim/verify' },
      demo: { redis: 'redis://127.0.0.1:41234', dashboardLoginGenerated: true, tokenKeyGenerated: true },
    });
    expect(JSON.stringify(fields)).not.toContain('generated-secret-1');
  });

  it('in production: addresses only, no demo facts', () => {
    expect(bannerMessage(production)).toBe('Kiosk Sign-in (api) is running.');
    expect(bannerFields(production)).toEqual({
      event: 'started',
      urls: {
        kioskPage: 'https://kiosks.example.com/?kiosk=lobby-1',
        fleetView: 'https://kiosks.example.com/admin/kiosks',
        queueDashboard: 'https://kiosks.example.com/admin/queues',
      },
      demo: null,
    });
  });

  it('for a worker: no pages (it has no HTTP port) and no dashboard login', () => {
    const worker = { ...demo, role: 'worker' as const };
    expect(bannerFields(worker)).toMatchObject({ urls: {}, demo: { dashboardLoginGenerated: false } });
    expect(bannerLines(worker).join('\n')).not.toMatch(/Kiosk page|Dashboard login/);
  });
});
