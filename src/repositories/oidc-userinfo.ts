import { z } from 'zod';
import { Profile } from '../domain/session';

/** A claim that is a non-blank string, or nothing: providers send `null`, `""` and numbers too. */
const text = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string().min(1))
  .optional()
  .catch(undefined);

// OIDC Core §5.1 standard claims; only `sub` is required (§5.3.2).
const userinfoSchema = z.object({
  sub: z.string().min(1),
  name: text,
  given_name: text,
  family_name: text,
  preferred_username: text,
  email: text,
  picture: z
    .url({ protocol: /^https?$/ })
    .optional()
    .catch(undefined),
});

/** Shown when a provider releases no name, username or email (scopes without `profile`/`email`). */
export const UNNAMED = 'Signed-in user';

/**
 * OpenID userinfo → the contract's profile, keeping nothing else (least data). The organisation
 * is not a standard claim, so `orgId` stays null.
 */
export function profileFromUserinfo(body: unknown): Profile | null {
  const parsed = userinfoSchema.safeParse(body);
  if (!parsed.success) return null;
  const c = parsed.data;
  const fullName = [c.given_name, c.family_name].filter((part) => part !== undefined).join(' ');
  return {
    id: c.sub,
    displayName: c.name ?? (fullName || undefined) ?? c.preferred_username ?? c.email ?? UNNAMED,
    emails: c.email ? [c.email] : [],
    avatar: c.picture ?? null,
    orgId: null,
  };
}
