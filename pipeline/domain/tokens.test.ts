import { describe, expect, it } from 'vitest';
import { lastUseIsStale, parseDuration, planRotation, type TokenLifecycle, tokenStanding } from './tokens.js';

const now = new Date('2025-06-01T12:00:00Z');
const at = (offsetSeconds: number) => new Date(now.getTime() + offsetSeconds * 1000);
const token = (overrides: Partial<TokenLifecycle> = {}): TokenLifecycle => ({
  createdAt: at(-30 * 86_400),
  expiresAt: null,
  revokedAt: null,
  replacedBy: null,
  ...overrides,
});

describe('API token lifetimes', () => {
  const standings: Array<[string, TokenLifecycle, RegExp | null]> = [
    ['without expiry', token(), null],
    ['expiring later', token({ expiresAt: at(60) }), null],
    ['expired a second ago', token({ expiresAt: at(-1) }), /expired on 2025-06-01T11:59:59.000Z; ask an administrator/],
    ['expiring exactly now', token({ expiresAt: now }), /expired/],
    ['revoked', token({ revokedAt: at(-10) }), /revoked on 2025-06-01T11:59:50.000Z/],
    ['revoked at a later time', token({ revokedAt: at(10) }), null],
    [
      'rotated without grace',
      token({ revokedAt: at(-5), replacedBy: 'b' }),
      /replaced by a rotation .*use the new token/,
    ],
    ['rotated, within its grace', token({ expiresAt: at(300), replacedBy: 'b' }), null],
    ['rotated, grace over', token({ expiresAt: at(-300), replacedBy: 'b' }), /grace period ended .*use the new token/],
  ];
  it.each(standings)(
    'when a token is %s, then its standing says whether it may be used and why not',
    (_what, t, reason) => {
      const standing = tokenStanding(t, now);
      if (reason === null) expect(standing).toEqual({ usable: true });
      else expect(standing.usable ? 'usable' : standing.reason).toMatch(reason);
    },
  );

  const lastUse: Array<[string, Date | null, boolean]> = [
    ['never used', null, true],
    ['used 59 s ago', at(-59), false],
    ['used a minute ago', at(-60), true],
    ['used an hour ago', at(-3600), true],
  ];
  it.each(lastUse)(
    'when a token was %s, then whether its last use is written again follows the one-minute rule',
    (_what, lastUsedAt, stale) => {
      expect(lastUseIsStale(lastUsedAt, now)).toBe(stale);
    },
  );

  const rotations: Array<[string, TokenLifecycle, number, number | null | undefined, Date | null, object]> = [
    ['no expiry, no grace', token(), 0, undefined, null, { revokedAt: now }],
    [
      'a 90-day token keeps 90 days',
      token({ createdAt: at(-10 * 86_400), expiresAt: at(80 * 86_400) }),
      0,
      undefined,
      at(90 * 86_400),
      { revokedAt: now },
    ],
    ['an explicit lifetime wins', token(), 0, 3600, at(3600), { revokedAt: now }],
    ['never asked for', token({ expiresAt: at(86_400) }), 0, null, null, { revokedAt: now }],
    ['a grace of an hour', token(), 3600, undefined, null, { expiresAt: at(3600) }],
    [
      'a grace longer than the old token has left',
      token({ createdAt: at(-86_400), expiresAt: at(600) }),
      3600,
      undefined,
      at(86_400 + 600),
      { expiresAt: at(600) },
    ],
  ];
  it.each(rotations)(
    'when a token is rotated with %s, then the successor and the old token get the planned times',
    (_what, old, graceSeconds, expiresInSeconds, successorExpiresAt, retire) => {
      expect(planRotation(old, now, { graceSeconds, expiresInSeconds })).toEqual({ successorExpiresAt, retire });
    },
  );

  it('when a grace is negative, fractional or longer than a week, then the rotation is refused', () => {
    for (const graceSeconds of [-1, 1.5, 7 * 86_400 + 1])
      expect(() => planRotation(token(), now, { graceSeconds })).toThrow(RangeError);
  });

  const durations: Array<[string, number | null | undefined]> = [
    ['90d', 90 * 86_400],
    ['12h', 12 * 3600],
    ['30m', 1800],
    ['45s', 45],
    ['2w', 14 * 86_400],
    ['1y', 365 * 86_400],
    [' 7D ', 7 * 86_400],
    ['never', null],
    ['90', undefined],
    ['0d', undefined],
    ['1.5d', undefined],
    ['-1d', undefined],
    ['ten days', undefined],
  ];
  it.each(durations)('when the duration typed is "%s", then it reads as %s seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
});
