import { z } from 'zod';

/** RFC 8628 §3.2 device authorization response, read leniently across real providers. */
export interface ParsedDeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  /** `null` when the provider sent none (Entra ID, Google): the person must type the code. */
  verificationUriComplete: string | null;
  expiresInS: number;
  /** `null` when absent or unusable: RFC 8628 §3.2 says the client then waits 5 s. */
  intervalS: number | null;
}

const webUrl = z.url({ protocol: /^https?$/ });

/** A count of seconds as a number or numeric string (Entra ID's v1 endpoint sends strings). */
const seconds = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number),
]);

const body = z.object({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: webUrl.optional().catch(undefined),
  // Google's device endpoint spells it `verification_url` (its own docs, and still in 2025).
  verification_url: webUrl.optional().catch(undefined),
  verification_uri_complete: webUrl.optional().catch(undefined),
  expires_in: seconds.pipe(z.number().positive().finite()),
  // An unusable interval is treated as absent rather than failing the sign-in.
  interval: seconds.pipe(z.number().positive().finite()).optional().catch(undefined),
});

/** `null` when the body is not a usable device authorization response. */
export function parseDeviceAuthorization(answer: unknown): ParsedDeviceAuthorization | null {
  const parsed = body.safeParse(answer);
  if (!parsed.success) return null;
  const a = parsed.data;
  const verificationUri = a.verification_uri ?? a.verification_url;
  if (!verificationUri) return null;
  return {
    deviceCode: a.device_code,
    userCode: a.user_code,
    verificationUri,
    verificationUriComplete: a.verification_uri_complete ?? null,
    expiresInS: a.expires_in,
    intervalS: a.interval ?? null,
  };
}
