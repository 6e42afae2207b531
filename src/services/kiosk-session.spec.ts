import { describe, expect, it, vi } from 'vitest';
import type { AppConfig } from '../config/config.schema';
import type { Caller } from '../domain/kiosk';
import type { KioskRepository } from '../repositories/kiosk.repository';
import { fakeServices } from '../testing/fakes';
import { KioskSessionService } from './kiosk-session.service';
import type { LimitsService } from './limits.service';

/** A kiosk's sign-in start: its slot is taken in the same write as the session's own. */
describe('KioskSessionService.create', () => {
  function setUp() {
    const t = fakeServices();
    // The kiosks' slots as the real claim keeps them: the sign-in admitted takes it.
    const slots = new Map<string, string>();
    const limits = {
      admitSignIn: vi.fn((_address: string, slot: string | null, id: string) => {
        const replaced = slot === null ? null : (slots.get(slot) ?? null);
        if (slot !== null) slots.set(slot, id);
        return Promise.resolve({ replaced });
      }),
      giveBackSlot: vi.fn((slot: string, id: string, replaced: string | null) => {
        if (slots.get(slot) === id) slots.set(slot, replaced ?? '');
        return Promise.resolve();
      }),
    };
    const kiosks = {
      holdSlot: vi.fn(() => Promise.resolve()),
      rememberSession: vi.fn(() => Promise.resolve()),
    };
    const config = { security: { kioskEnrollment: 'open' } } as unknown as AppConfig;
    const service = new KioskSessionService(
      config,
      t.api,
      kiosks as unknown as KioskRepository,
      limits as unknown as LimitsService,
      t.clock,
    );
    const caller: Caller = { address: '192.0.2.7', kiosk: null };
    return { t, kiosks, limits, slots, service, caller };
  }

  it('holds the kiosk’s slot for the code’s life in the same write as the session’s own, not after', async () => {
    const { t, kiosks, limits, service, caller } = setUp();
    let written!: () => void;
    const create = t.sessions.create.bind(t.sessions);
    vi.spyOn(t.sessions, 'create').mockImplementation((value) =>
      new Promise<void>((resolve) => (written = resolve)).then(() => create(value)),
    );
    const starting = service.create({ kioskId: 'lobby-1' }, caller);
    await vi.waitFor(() => expect(t.sessions.create).toHaveBeenCalledOnce());
    // The session's write has not been answered, and the slot's is already on its way with it.
    expect(kiosks.holdSlot).toHaveBeenCalledOnce();
    written();
    const view = await starting;
    // The sign-in admitted is the one that started, and its slot lives as long as its code.
    expect(limits.admitSignIn).toHaveBeenCalledWith('192.0.2.7', 'open:lobby-1@192.0.2.7', view.id);
    const [slot, ttlMs] = kiosks.holdSlot.mock.calls[0] as unknown as [string, number];
    expect(slot).toBe('open:lobby-1@192.0.2.7');
    expect(ttlMs).toBe(Date.parse(view.expiresAt) - t.clock.now());
    expect(view.status).toBe('pending');
  });

  it('gives the slot back to the sign-in it replaced when the provider refuses the new one', async () => {
    const { t, limits, slots, service, caller } = setUp();
    const first = await service.create({ kioskId: 'lobby-4' }, caller);
    vi.spyOn(t.webex, 'authorize').mockRejectedValueOnce(new Error('the provider is down'));
    await expect(service.create({ kioskId: 'lobby-4' }, caller)).rejects.toThrow('the provider is down');
    expect(limits.giveBackSlot).toHaveBeenCalledOnce();
    expect(slots.get('open:lobby-4@192.0.2.7')).toBe(first.id);
    expect((await t.api.get(first.id)).status).toBe('pending');
  });

  it('cancels the sign-in the new one replaces, once the new one has started', async () => {
    const { t, service, caller } = setUp();
    const first = await service.create({ kioskId: 'lobby-2' }, caller);
    const second = await service.create({ kioskId: 'lobby-2' }, caller);
    expect((await t.api.get(first.id)).status).toBe('cancelled');
    expect((await t.api.get(second.id)).status).toBe('pending');
    // Another kiosk's sign-in is its own.
    const other = await service.create({ kioskId: 'lobby-3' }, caller);
    expect((await t.api.get(second.id)).status).toBe('pending');
    expect((await t.api.get(other.id)).status).toBe('pending');
  });
});
