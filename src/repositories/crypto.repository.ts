import { createCipheriv, createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import { secureRandomBytes } from './secure-random';

const VERSION = 'v1';
const NONCE_BYTES = 12; // NIST SP 800-38D: 96-bit nonces for GCM

/** Thrown when a ciphertext cannot be opened: unknown key, tampering, or garbage. */
export class DecryptionError extends Error {
  readonly code = 'decryption_failed';
}

/**
 * AES-256-GCM with key rotation. Every write uses the first key and a fresh random nonce;
 * reads find the key by its id, so values written under a previous key stay readable.
 * Format: `v1.<keyId>.<nonce>.<tag>.<ciphertext>` (base64url parts).
 */
export class CryptoRepository {
  private readonly keys: Map<string, Buffer>;
  private readonly currentId: string;

  constructor(keys: Buffer[]) {
    if (keys.length === 0) throw new Error('CryptoRepository needs at least one key');
    this.keys = new Map(keys.map((k) => [keyId(k), k]));
    this.currentId = keyId(keys[0]);
  }

  encrypt(plaintext: string, associatedData: string): string {
    const nonce = secureRandomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, nonce);
    // Binding the value to its owner (the session id) stops a ciphertext being moved between sessions.
    cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [nonce, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
    return [VERSION, this.currentId, ...parts].join('.');
  }

  decrypt(sealed: string, associatedData: string): string {
    const [version, id, nonce, tag, body] = sealed.split('.');
    const key = id === undefined ? undefined : this.keys.get(id);
    if (version !== VERSION || !key || nonce === undefined || tag === undefined || body === undefined) {
      throw new DecryptionError('ciphertext has an unknown format or key');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new DecryptionError('ciphertext failed authentication', { cause: err });
    }
  }
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

/** Compares secrets without leaking their length or content through timing. */
export function constantTimeEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
