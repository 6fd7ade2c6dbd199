/** API token lifetimes: expiry, rotation with a grace period, and how often last use is written. Pure. */

/** What decides whether a stored token may still be used. */
export interface TokenLifecycle {
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  /** The token that replaced this one when it was rotated. */
  replacedBy: string | null;
}

type TokenStanding = { usable: true } | { usable: false; reason: string };

/**
 * Whether a token may be used at `now`, and if not, why, in words its holder can act on. A rotated
 * token stays usable until its grace period ends (its expiry is moved to the end of the grace).
 */
export function tokenStanding(token: TokenLifecycle, now: Date): TokenStanding {
  if (token.revokedAt && token.revokedAt <= now)
    return {
      usable: false,
      reason: token.replacedBy
        ? `this API token was replaced by a rotation on ${token.revokedAt.toISOString()}; use the new token`
        : `this API token was revoked on ${token.revokedAt.toISOString()}`,
    };
  if (token.expiresAt && token.expiresAt <= now)
    return {
      usable: false,
      reason: token.replacedBy
        ? `this API token was rotated and its grace period ended on ${token.expiresAt.toISOString()}; use the new token`
        : `this API token expired on ${token.expiresAt.toISOString()}; ask an administrator for a new one (hazardscope token rotate)`,
    };
  return { usable: true };
}

export type TokenState = 'active' | 'grace' | 'expired' | 'revoked';

/** How a list shows a token: working, working until its rotation grace ends, or not working and why. */
export function tokenState(token: TokenLifecycle, now: Date): TokenState {
  if (token.revokedAt && token.revokedAt <= now) return 'revoked';
  if (token.expiresAt && token.expiresAt <= now) return 'expired';
  return token.replacedBy ? 'grace' : 'active';
}

/** Last use is kept to the minute: a busy token writes once a minute, not once a request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function lastUseIsStale(lastUsedAt: Date | null, now: Date): boolean {
  return !lastUsedAt || now.getTime() - lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS;
}

/** The longest grace a rotated token keeps working beside its successor. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

interface RotationPlan {
  /** When the new token expires; null never. */
  successorExpiresAt: Date | null;
  /** The old token: revoked now (no grace), or expiring at the end of the grace. */
  retire: { revokedAt: Date } | { expiresAt: Date };
}

/**
 * What a rotation does. Without `expiresInSeconds` the new token gets the old one's lifetime from
 * now (none stays none), so rotating never quietly lengthens or drops an expiry policy; `null`
 * asks for a token that never expires. A grace never outlasts the old token's own expiry.
 */
export function planRotation(
  old: TokenLifecycle,
  now: Date,
  options: { graceSeconds: number; expiresInSeconds?: number | null | undefined },
): RotationPlan {
  if (!Number.isInteger(options.graceSeconds) || options.graceSeconds < 0)
    throw new RangeError('the grace period is a whole number of seconds, 0 or more');
  if (options.graceSeconds > MAX_ROTATION_GRACE_SECONDS)
    throw new RangeError(`the grace period is at most ${MAX_ROTATION_GRACE_SECONDS} seconds (7 days)`);
  const lifetimeMs =
    options.expiresInSeconds === undefined
      ? old.expiresAt && old.expiresAt.getTime() - old.createdAt.getTime()
      : options.expiresInSeconds === null
        ? null
        : options.expiresInSeconds * 1000;
  const successorExpiresAt = lifetimeMs === null ? null : new Date(now.getTime() + lifetimeMs);
  if (options.graceSeconds === 0) return { successorExpiresAt, retire: { revokedAt: now } };
  const graceEnd = new Date(now.getTime() + options.graceSeconds * 1000);
  return {
    successorExpiresAt,
    retire: { expiresAt: old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd },
  };
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 7 * 86_400, y: 365 * 86_400 };

/**
 * A duration as people type it: `90d`, `12h`, `30m`, `45s`, `2w`, `1y`; `never` is null. Anything
 * else (a bare number, `0d`, `1.5d`) is undefined rather than a guess.
 */
export function parseDuration(text: string): number | null | undefined {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'never') return null;
  const match = /^([1-9][0-9]{0,5})([smhdwy])$/.exec(trimmed);
  return match ? Number(match[1]) * UNIT_SECONDS[match[2]!]! : undefined;
}
