import { createHash, randomBytes } from 'node:crypto';

/**
 * Random identifiers in the shapes Webex uses. Everything comes from the CSPRNG:
 * the simulator also runs as the demo's identity provider, and predictable
 * tokens would teach the wrong habit even there.
 */

/**
 * 32 symbols without 0/O and 1/I, which people misread when typing a code off
 * a kiosk screen. 32 divides 256, so masking a byte with 31 is unbiased.
 */
export const USER_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const USER_CODE_LENGTH = 8;

export function newUserCode(): string {
  const bytes = randomBytes(USER_CODE_LENGTH);
  let code = '';
  for (const byte of bytes) code += USER_CODE_ALPHABET[byte & 31];
  return code;
}

/**
 * What people type may carry spaces, dashes or lower case; the code they
 * mean is the same.
 */
export function normalizeUserCode(input: string): string {
  return input.toUpperCase().replace(/[^0-9A-Z]/g, '');
}

/** Long opaque secrets (device codes, tokens): 384 bits, base64url. */
export function newSecret(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * Webex ids are base64 of a `ciscospark://` URI; clients treat them as opaque.
 * With a seed the id is stable, so the same person signing in twice (or at two
 * kiosks) is recognisably the same person.
 */
export function webexId(kind: 'PEOPLE' | 'ORGANIZATION', seed?: string): string {
  const bytes = seed === undefined ? randomBytes(16) : createHash('sha256').update(seed).digest();
  const uuid = bytes
    .subarray(0, 16)
    .toString('hex')
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  return Buffer.from(`ciscospark://us/${kind}/${uuid}`).toString('base64').replace(/=+$/, '');
}

/** A uniformly chosen element of a non-empty list. */
export function pick<T>(items: readonly T[]): T {
  const index = randomBytes(4).readUInt32BE(0) % items.length;
  return items[index];
}
