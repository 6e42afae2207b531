import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.loader';
import { FleetAuthService } from './fleet-auth.service';

const config = (password: string) => loadConfig({ DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: password });

describe('FleetAuthService', () => {
  const now = Date.UTC(2026, 0, 1);

  it('accepts its own ticket until it expires', () => {
    const auth = new FleetAuthService(config('pw-1'));
    const { ticket, expiresAt } = auth.issue(now);
    expect(auth.verify(ticket, now + 1000)).toBe(true);
    expect(auth.verify(ticket, Date.parse(expiresAt) + 1)).toBe(false);
  });

  it('refuses forged, altered or foreign tickets', () => {
    const auth = new FleetAuthService(config('pw-1'));
    const { ticket } = auth.issue(now);
    const [expires, signature] = ticket.split('.');
    expect(auth.verify(`${Number(expires) + 60_000}.${signature}`, now)).toBe(false);
    expect(auth.verify(`${expires}.AAAA`, now)).toBe(false);
    expect(auth.verify(undefined, now)).toBe(false);
    expect(auth.verify('garbage', now)).toBe(false);
    // Another password (or a changed one) signs differently: changing it revokes every ticket.
    expect(new FleetAuthService(config('pw-2')).verify(ticket, now)).toBe(false);
  });
});
