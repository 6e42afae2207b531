import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import type { AppConfig } from '../config/config.schema';
import type { JobRepository } from '../repositories/job.repository';
import type { KioskRepository, SlotClaim } from '../repositories/kiosk.repository';
import type { RateLimitRepository } from '../repositories/rate-limit.repository';
import type { SocketLeaseRepository } from '../repositories/socket-lease.repository';
import { LimitsService } from './limits.service';

/** A sign-in's admission: the kiosk's slot it claims goes back when another limit refuses the sign-in. */
describe('LimitsService.admitSignIn', () => {
  function setUp(o: { pending: number | Error; claim: SlotClaim; addressAllowed?: boolean }) {
    const limits = { sessionsPerAddressPerMinute: 5, sessionsPerKioskPerMinute: 3, pendingSignIns: 10, exemptAddresses: [] };
    const config = { security: { limits } } as unknown as AppConfig;
    const window = {
      consume: vi.fn(() => Promise.resolve({ allowed: o.addressAllowed ?? true, retryAfterMs: 30_000, used: 1 })),
    };
    const windows = { window: () => window } as unknown as RateLimitRepository;
    const pendingSignIns = () => (o.pending instanceof Error ? Promise.reject(o.pending) : Promise.resolve(o.pending));
    const jobs = { pendingSignIns } as unknown as JobRepository;
    const kiosks = { claimSlot: vi.fn(() => Promise.resolve(o.claim)), releaseSlot: vi.fn(() => Promise.resolve()) };
    const service = new LimitsService(config, windows, {} as SocketLeaseRepository, jobs, kiosks as unknown as KioskRepository);
    return { service, kiosks };
  }
  const claimed: SlotClaim = { used: 1, windowLeftMs: 60_000, claimed: true, replaced: 'older' };

  it('admits within every limit, naming the sign-in the new one replaces', async () => {
    const { service, kiosks } = setUp({ pending: 0, claim: claimed });
    await expect(service.admitSignIn('192.0.2.1', 'kiosk:k', 'newer')).resolves.toEqual({ replaced: 'older' });
    expect(kiosks.claimSlot).toHaveBeenCalledWith('kiosk:k', 'newer', 3, 60_000);
    expect(kiosks.releaseSlot).not.toHaveBeenCalled();
  });

  it('gives the claimed slot back when the fleet is at its ceiling or the address over its budget', async () => {
    for (const refused of [
      setUp({ pending: 10, claim: claimed }),
      setUp({ pending: 0, claim: claimed, addressAllowed: false }),
    ]) {
      await expect(refused.service.admitSignIn('192.0.2.1', 'kiosk:k', 'newer')).rejects.toMatchObject({ code: 'rate_limited' });
      expect(refused.kiosks.releaseSlot).toHaveBeenCalledWith('kiosk:k', 'newer', 'older');
    }
  });

  it('gives the claimed slot back when Redis fails another of the reads, and answers with that failure', async () => {
    const { service, kiosks } = setUp({ pending: new Error('Connection is closed.'), claim: claimed });
    await expect(service.admitSignIn('192.0.2.1', 'kiosk:k', 'newer')).rejects.toThrow('Connection is closed.');
    expect(kiosks.releaseSlot).toHaveBeenCalledWith('kiosk:k', 'newer', 'older');
  });

  it('answers with the refusal even when giving the slot back fails too', async () => {
    const { service, kiosks } = setUp({ pending: 10, claim: claimed });
    kiosks.releaseSlot.mockRejectedValueOnce(new Error('Connection is closed.'));
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await expect(service.admitSignIn('192.0.2.1', 'kiosk:k', 'newer')).rejects.toMatchObject({ code: 'rate_limited' });
    // Not swallowed: operators see why the kiosk's slot still names a sign-in that never started.
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ sessionId: 'newer' }), expect.stringMatching(/slot back/));
    warn.mockRestore();
  });

  it('refuses a kiosk over its own budget, which claimed nothing to give back', async () => {
    const { service, kiosks } = setUp({ pending: 0, claim: { used: 4, windowLeftMs: 20_000, claimed: false, replaced: null } });
    await expect(service.admitSignIn('192.0.2.1', 'kiosk:k', 'newer')).rejects.toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/kiosk/),
    });
    expect(kiosks.releaseSlot).not.toHaveBeenCalled();
  });
});
