import { newSecret, newUserCode, normalizeUserCode } from './sim-random';
import type { SimSession } from './sim-session';

/**
 * How long a finished device code is remembered after its expiry, so that a
 * late or repeated poll is still recognised (and counted) rather than looking
 * like a code that never existed.
 */
const RETAIN_AFTER_EXPIRY_MS = 60 * 60 * 1000;

/** Old entries dropped per new authorization: keeps clean-up O(1) per request. */
const SWEEP_PER_CREATE = 4;

export interface NewSession {
  clientId: string;
  scope: string;
  now: number;
  expiresInS: number;
  intervalS: number;
}

/**
 * Device codes, indexed both ways. Maps keep insertion order, which is
 * creation order, so the oldest entries are always at the head: forgetting
 * them needs no timers and no scans.
 */
export class SessionStore {
  private readonly byDeviceCode = new Map<string, SimSession>();
  private readonly byUserCode = new Map<string, SimSession>();

  create(input: NewSession): SimSession {
    this.sweep(input.now);
    const session: SimSession = {
      deviceCode: newSecret(),
      userCode: this.freshUserCode(),
      clientId: input.clientId,
      scope: input.scope,
      createdAt: input.now,
      expiresAt: input.now + input.expiresInS * 1000,
      intervalS: input.intervalS,
      lastPollAt: input.now,
      pollCount: 0,
      decision: null,
      person: null,
      forcedExpired: false,
      slowDownsRequested: 0,
      redeemedAt: null,
      terminalAnsweredAt: null,
    };
    this.byDeviceCode.set(session.deviceCode, session);
    this.byUserCode.set(session.userCode, session);
    return session;
  }

  byDevice(deviceCode: string): SimSession | undefined {
    return this.byDeviceCode.get(deviceCode);
  }

  /** Accepts codes as people type them (`4f8k-2q9m`). */
  byUser(userCode: string): SimSession | undefined {
    return this.byUserCode.get(normalizeUserCode(userCode));
  }

  get size(): number {
    return this.byDeviceCode.size;
  }

  clear(): void {
    this.byDeviceCode.clear();
    this.byUserCode.clear();
  }

  private freshUserCode(): string {
    // 32^8 codes: a collision among live ones is rare, and retrying is cheap.
    for (;;) {
      const code = newUserCode();
      if (!this.byUserCode.has(code)) return code;
    }
  }

  private sweep(now: number): void {
    for (let i = 0; i < SWEEP_PER_CREATE; i += 1) {
      const oldest = this.byDeviceCode.values().next();
      if (oldest.done === true) return;
      const session = oldest.value;
      if (now < session.expiresAt + RETAIN_AFTER_EXPIRY_MS) return;
      this.byDeviceCode.delete(session.deviceCode);
      this.byUserCode.delete(session.userCode);
    }
  }
}
