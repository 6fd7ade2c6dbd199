import { describe, expect, it } from 'vitest';
import { UnprocessableError } from './errors.js';
import type { Role } from './roles.js';
import { type TokenLifecycle, type TokenState, tokenState } from './tokens.js';
import { checkTokenRole, normaliseRoles, planRoleChange, summariseTokens } from './users.js';

const now = new Date('2025-06-01T12:00:00Z');
const at = (offsetSeconds: number) => new Date(now.getTime() + offsetSeconds * 1000);
const token = (overrides: Partial<TokenLifecycle & { lastUsedAt: Date | null }> = {}) => ({
  createdAt: at(-86_400),
  expiresAt: null,
  revokedAt: null,
  replacedBy: null,
  lastUsedAt: null,
  ...overrides,
});

describe('token states', () => {
  const table: Array<[string, TokenLifecycle, TokenState]> = [
    ['without expiry', token(), 'active'],
    ['expiring later', token({ expiresAt: at(60) }), 'active'],
    ['expired', token({ expiresAt: at(-1) }), 'expired'],
    ['revoked', token({ revokedAt: at(-1) }), 'revoked'],
    ['revoked and expired', token({ revokedAt: at(-10), expiresAt: at(-20) }), 'revoked'],
    ['rotated, within its grace', token({ replacedBy: 'b', expiresAt: at(60) }), 'grace'],
    ['rotated, grace over', token({ replacedBy: 'b', expiresAt: at(-60) }), 'expired'],
    ['rotated without grace', token({ replacedBy: 'b', revokedAt: at(-60) }), 'revoked'],
  ];
  it.each(table)('when a token is %s, then it is listed as %s', (_what, t, state) => {
    expect(tokenState(t, now)).toBe(state);
  });
});

describe('role changes', () => {
  const table: Array<[string, { self: boolean; current: Role[]; requested: Role[] }, string | RegExp]> = [
    ['adding a role', { self: false, current: ['reviewer'], requested: ['reviewer', 'operator'] }, '+operator -'],
    ['removing a role', { self: false, current: ['reviewer', 'operator'], requested: ['operator'] }, '+ -reviewer'],
    [
      'repeating and reordering roles',
      { self: false, current: ['admin'], requested: ['admin', 'reviewer', 'admin'] },
      '+reviewer -',
    ],
    ['taking admin from another person', { self: false, current: ['admin'], requested: [] }, '+ -admin'],
    [
      'an administrator keeping admin',
      { self: true, current: ['admin'], requested: ['admin', 'regulator'] },
      '+regulator -',
    ],
    [
      'an administrator taking admin from themselves',
      { self: true, current: ['admin', 'reviewer'], requested: ['reviewer'] },
      /cannot take the admin role from yourself/,
    ],
  ];
  it.each(table)('when %s, then the change is as planned or refused', (_what, input, expected) => {
    const plan = () =>
      planRoleChange({
        actorUserId: 'actor',
        targetUserId: input.self ? 'actor' : 'other',
        current: input.current,
        requested: input.requested,
      });
    if (expected instanceof RegExp) {
      expect(plan).toThrow(UnprocessableError);
      expect(plan).toThrow(expected);
    } else {
      const { added, removed } = plan();
      expect(`+${added.join(',')} -${removed.join(',')}`).toBe(expected);
    }
  });

  it('when roles are given in any order with repeats, then they are stored once each in the order of ROLES', () => {
    expect(normaliseRoles(['admin', 'operator', 'admin', 'reviewer'])).toEqual(['operator', 'reviewer', 'admin']);
  });

  const issuing: Array<[Role[], Role, RegExp | null]> = [
    [['reviewer'], 'reviewer', null],
    [['reviewer'], 'admin', /does not hold the admin role \(reviewer\)/],
    [[], 'operator', /no roles/],
  ];
  it.each(issuing)(
    'when a person holding %j is issued a %s token, then it is allowed or refused with the reason',
    (roles, role, error) => {
      const check = () => checkTokenRole(roles, role, 'Li Wei');
      if (error === null) expect(check).not.toThrow();
      else expect(check).toThrow(error);
    },
  );
});

describe('token summaries', () => {
  it('when a person has tokens in every state, then only working ones are counted and the nearest expiry and latest use are shown', () => {
    const summary = summariseTokens(
      [
        token({ expiresAt: at(3600), lastUsedAt: at(-600) }),
        token({ expiresAt: at(60), replacedBy: 'x' }),
        token({ revokedAt: at(-5), lastUsedAt: at(-10) }),
        token({ expiresAt: at(-5), lastUsedAt: at(-3600) }),
        token(),
      ],
      now,
    );
    expect(summary).toEqual({ usable: 3, nextExpiry: at(60), lastUsedAt: at(-10) });
  });

  it('when a person has no tokens, then nothing works, nothing expires and nothing was used', () => {
    expect(summariseTokens([], now)).toEqual({ usable: 0, nextExpiry: null, lastUsedAt: null });
  });
});
