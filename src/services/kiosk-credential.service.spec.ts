import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.loader';
import { KioskCredentialService } from './kiosk-credential.service';
import { failureDelayMs } from './limits.service';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const service = (env: Record<string, string>) => new KioskCredentialService(loadConfig(env));

describe('KioskCredentialService', () => {
  const now = Date.UTC(2026, 0, 1);

  it('accepts its own credential, and it matches only the record it was issued with', () => {
    const creds = service({ TOKEN_ENCRYPTION_KEY: keyA });
    const issued = creds.issue('lobby-1', now);
    const parsed = creds.fromCookieHeader(`other=1; kiosk_credential=${issued.value}`);
    expect(parsed).toMatchObject({ kioskId: 'lobby-1', credentialId: issued.record.credentialId, current: true });
    expect(creds.matches(parsed!, issued.record)).toBe(true);
    expect(creds.matches(parsed!, creds.issue('lobby-1', now).record)).toBe(false); // re-enrolled since
    expect(creds.matches(parsed!, null)).toBe(false); // revoked
    // Only a hash of the secret part is in the record.
    expect(JSON.stringify(issued.record)).not.toContain(parsed!.secret);
  });

  it('refuses forged, altered or foreign values', () => {
    const creds = service({ TOKEN_ENCRYPTION_KEY: keyA });
    const { value } = creds.issue('lobby-1', now);
    const parts = value.split('~');
    const forge = (i: number, v: string) => parts.map((p, j) => (j === i ? v : p)).join('~');
    for (const bad of [
      forge(1, 'lobby-2'),
      forge(3, 'B'.repeat(43)),
      forge(4, 'A'.repeat(43)),
      forge(0, 'k2'),
      value.slice(0, -1),
      '',
      '~~~~',
      'k1~lobby 1~x~y~z',
    ]) {
      expect(creds.parse(bad), bad).toBeNull();
    }
    expect(service({ TOKEN_ENCRYPTION_KEY: keyB }).parse(value)).toBeNull();
    expect(creds.fromCookieHeader(undefined)).toBeNull();
    expect(creds.fromCookieHeader('kiosk_credential=%E0%A4%A')).toBeNull();
  });

  it('keeps credentials valid across a key rotation and re-signs them with the new key', () => {
    const old = service({ TOKEN_ENCRYPTION_KEY: keyA }).issue('lobby-1', now).value;
    const rotated = service({ TOKEN_ENCRYPTION_KEY: keyB, TOKEN_ENCRYPTION_KEYS_PREVIOUS: keyA });
    const parsed = rotated.parse(old);
    expect(parsed).toMatchObject({ kioskId: 'lobby-1', current: false });
    expect(rotated.parse(rotated.resign(parsed!))).toMatchObject({ current: true });
  });

  it('uses a __Host- cookie when the service is reached over https', () => {
    expect(service({ PUBLIC_URL: 'https://kiosks.example.com' })).toMatchObject({
      cookieName: '__Host-kiosk_credential',
      secure: true,
    });
    expect(service({})).toMatchObject({ cookieName: 'kiosk_credential', secure: false });
  });
});

describe('failed authentication slow-down', () => {
  it('answers each further failure later, up to a cap', () => {
    const delays = [1, 2, 3, 10, 50].map(failureDelayMs);
    expect(delays).toEqual([100, 200, 300, 1000, 2000]);
  });
});
