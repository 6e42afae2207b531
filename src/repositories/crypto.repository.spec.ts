import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEquals, CryptoRepository, DecryptionError } from './crypto.repository';

describe('CryptoRepository', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('round-trips and never writes the plaintext', () => {
    const crypto = new CryptoRepository([newKey]);
    const sealed = crypto.encrypt('secret-access-token', 's1');
    expect(sealed).not.toContain('secret-access-token');
    expect(crypto.decrypt(sealed, 's1')).toBe('secret-access-token');
  });

  it('uses a fresh nonce for every write', () => {
    const crypto = new CryptoRepository([newKey]);
    expect(crypto.encrypt('same', 's1')).not.toBe(crypto.encrypt('same', 's1'));
  });

  it('still reads data written under the old key after rotation, and writes with the new one', () => {
    const before = new CryptoRepository([oldKey]);
    const sealedOld = before.encrypt('refresh-token', 's1');
    const after = new CryptoRepository([newKey, oldKey]);
    expect(after.decrypt(sealedOld, 's1')).toBe('refresh-token');
    const sealedNew = after.encrypt('refresh-token', 's1');
    // New writes need only the new key: the old one can be dropped after a refresh cycle.
    expect(new CryptoRepository([newKey]).decrypt(sealedNew, 's1')).toBe('refresh-token');
    expect(() => before.decrypt(sealedNew, 's1')).toThrow(DecryptionError);
  });

  it('rejects a ciphertext moved to another session or tampered with', () => {
    const crypto = new CryptoRepository([newKey]);
    const sealed = crypto.encrypt('token', 's1');
    expect(() => crypto.decrypt(sealed, 's2')).toThrow(DecryptionError);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => crypto.decrypt(parts.join('.'), 's1')).toThrow(DecryptionError);
    expect(() => crypto.decrypt('garbage', 's1')).toThrow(DecryptionError);
  });

  it('compares secrets of any length', () => {
    expect(constantTimeEquals('abc', 'abc')).toBe(true);
    expect(constantTimeEquals('abc', 'abcd')).toBe(false);
    expect(constantTimeEquals('', 'x')).toBe(false);
  });
});
