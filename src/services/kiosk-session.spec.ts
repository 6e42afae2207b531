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
    const slots = new Map<string, string>();
    const kiosks = {
      swapPending: vi.fn((slot: string, sessionId: string) => {
        const previous = slots.get(slot) ?? null;
        slots.set(slot, sessionId);
        return Promise.resolve(previous);
      }),
      rememberSession: vi.fn(() => Promise.resolve()),
    };
    const limits = { admitSignIn: vi.fn(() => Promise.resolve()) };
    const config = { security: { kioskEnrollment: 'open' } } as unknown as AppConfig;
    const service = new KioskSessionService(
      config,
      t.api,
      kiosks as unknown as KioskRepository,
      limits as unknown as LimitsService,
      t.clock,
    );
    const caller: Caller = { address: '192.0.2.7', kiosk: null };
    return { t, kiosks, service, caller };
  }

  it('takes the kiosk’s slot while the session is still being written, not after', async () => {
    const { t, kiosks, service, caller } = setUp();
    let written!: () => void;
    const create = t.sessions.create.bind(t.sessions);
    vi.spyOn(t.sessions, 'create').mockImplementation((value) =>
      new Promise<void>((resolve) => (written = resolve)).then(() => create(value)),
    );
    const starting = service.create({ kioskId: 'lobby-1' }, caller);
    await vi.waitFor(() => expect(t.sessions.create).toHaveBeenCalledOnce());
    // The session's write has not been answered, and the slot's is already on its way with it.
    expect(kiosks.swapPending).toHaveBeenCalledOnce();
    expect(kiosks.swapPending.mock.calls[0][0]).toBe('open:lobby-1@192.0.2.7');
    written();
    const view = await starting;
    expect(kiosks.swapPending.mock.calls[0][1]).toBe(view.id);
    expect(view.status).toBe('pending');
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
