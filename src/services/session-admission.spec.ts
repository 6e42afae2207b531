import { describe, expect, it, vi } from 'vitest';
import { RateLimitedError, UpstreamError } from '../domain/errors';
import { fakeServices } from '../testing/fakes';

/** A sign-in's start: the caller's admission (its limits) and the provider's pause, read together. */
describe('SessionService.create with an admission', () => {
  function setUp() {
    const t = fakeServices();
    const pauseReads = vi.spyOn(t.control, 'pausedUntil');
    const authorizations = vi.spyOn(t.webex, 'authorize');
    return { t, pauseReads, authorizations };
  }

  it('reads the pause while the admission is still on its way, and asks the provider only after both', async () => {
    const { t, pauseReads, authorizations } = setUp();
    let admitted!: () => void;
    const admit = vi.fn(() => new Promise<void>((resolve) => (admitted = resolve)));
    const creating = t.api.create({ kioskId: 'lobby-1' }, admit);
    // Both reads are on their way in the same turn (one write to Redis), before either answer.
    expect(admit).toHaveBeenCalledOnce();
    expect(pauseReads).toHaveBeenCalledOnce();
    await new Promise((resolve) => setImmediate(resolve));
    expect(authorizations).not.toHaveBeenCalled();
    admitted();
    const view = await creating;
    expect(view.status).toBe('pending');
    expect(authorizations).toHaveBeenCalledOnce();
  });

  it('answers a refused admission even while the provider is paused, and asks the provider nothing', async () => {
    const { t, authorizations } = setUp();
    await t.pauses.pause(30_000);
    const refused = new RateLimitedError('Too many sign-ins on this kiosk; try again shortly', 5_000);
    await expect(t.api.create({ kioskId: 'lobby-1' }, () => Promise.reject(refused))).rejects.toBe(refused);
    expect(authorizations).not.toHaveBeenCalled();
  });

  it('answers the pause once the caller is admitted', async () => {
    const { t, authorizations } = setUp();
    await t.pauses.pause(30_000);
    const admit = vi.fn(() => Promise.resolve());
    await expect(t.api.create({ kioskId: 'lobby-1' }, admit)).rejects.toThrow(UpstreamError);
    await expect(t.api.create({ kioskId: 'lobby-1' }, admit)).rejects.toThrow(/slow down; try again in 30 s/);
    expect(admit).toHaveBeenCalledTimes(2);
    expect(authorizations).not.toHaveBeenCalled();
  });

  it('admits everyone when no admission is given', async () => {
    const { t, pauseReads } = setUp();
    expect((await t.api.create({})).status).toBe('pending');
    expect(pauseReads).toHaveBeenCalledOnce();
  });
});
