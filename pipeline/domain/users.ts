/** The people of an organisation as administrators manage them: their roles and their tokens. Pure. */
import { UnprocessableError } from './errors.js';
import { ROLES, type Role } from './roles.js';
import { type TokenLifecycle, tokenState } from './tokens.js';

/** Roles without repeats, in the order of ROLES, so stored and compared lists agree. */
export function normaliseRoles(roles: readonly Role[]): Role[] {
  return ROLES.filter((role) => roles.includes(role));
}

interface RoleChange {
  roles: Role[];
  added: Role[];
  removed: Role[];
}

/**
 * What setting a person's roles changes. An administrator may not take the admin role from
 * themselves: that is how an organisation would lose its last administrator, with nobody left to
 * give it back but someone with database access.
 */
export function planRoleChange(input: {
  actorUserId: string;
  targetUserId: string;
  current: readonly Role[];
  requested: readonly Role[];
}): RoleChange {
  const roles = normaliseRoles(input.requested);
  const current = normaliseRoles(input.current);
  const removed = current.filter((role) => !roles.includes(role));
  if (input.actorUserId === input.targetUserId && removed.includes('admin'))
    throw new UnprocessableError('you cannot take the admin role from yourself; ask another administrator', {
      field: 'roles',
    });
  return { roles, added: roles.filter((role) => !current.includes(role)), removed };
}

/** A token may be issued only for a role its holder has. */
export function checkTokenRole(roles: readonly Role[], role: Role, name: string): void {
  if (!roles.includes(role))
    throw new UnprocessableError(
      `${name} does not hold the ${role} role (${roles.length ? roles.join(', ') : 'no roles'}); give it to them first`,
      { field: 'role' },
    );
}

interface TokenSummary {
  /** Tokens that work now (including rotated ones in their grace period). */
  usable: number;
  /** When the next of those stops working; null when none expires (or none works). */
  nextExpiry: Date | null;
  lastUsedAt: Date | null;
}

/** What the list of people shows about each one's tokens. */
export function summariseTokens(
  tokens: ReadonlyArray<TokenLifecycle & { lastUsedAt: Date | null }>,
  now: Date,
): TokenSummary {
  let usable = 0;
  let nextExpiry: Date | null = null;
  let lastUsedAt: Date | null = null;
  for (const token of tokens) {
    if (token.lastUsedAt && (!lastUsedAt || token.lastUsedAt > lastUsedAt)) lastUsedAt = token.lastUsedAt;
    const state = tokenState(token, now);
    if (state !== 'active' && state !== 'grace') continue;
    usable++;
    if (token.expiresAt && (!nextExpiry || token.expiresAt < nextExpiry)) nextExpiry = token.expiresAt;
  }
  return { usable, nextExpiry, lastUsedAt };
}
