import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from './errors.js';
import { isConnectionFailure, markOutage, outageOf } from './outages.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
/** How Drizzle reports a failed statement: its own error, the driver's as the cause. */
const drizzle = (cause: unknown) => Object.assign(new Error('Failed query: select 1\nparams: '), { cause });

describe('outages', () => {
  const table: Array<[string, unknown, 'database' | 'queue' | 'storage' | undefined]> = [
    ['a connection dropped mid-query (node-postgres)', new Error('Connection terminated unexpectedly'), 'database'],
    ['the same, wrapped by Drizzle', drizzle(new Error('Connection terminated unexpectedly')), 'database'],
    ['no pool slot or connection in time', new Error('timeout exceeded when trying to connect'), 'database'],
    ['a statement that got no answer in time', drizzle(new Error('Query read timeout')), 'database'],
    [
      'the server shutting down (57P01)',
      withCode('terminating connection due to administrator command', '57P01'),
      'database',
    ],
    ['the server starting up (57P03)', withCode('the database system is starting up', '57P03'), 'database'],
    ['a connection exception (08006)', withCode('connection failure', '08006'), 'database'],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300'), 'database'],
    ['PGlite closed', new Error('PGlite is closed'), 'database'],
    [
      'Redis not connected, offline queue off',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      'queue',
    ],
    ['Redis connection closed', new Error('Connection is closed.'), 'queue'],
    [
      'already tagged by an adapter',
      new ServiceUnavailableError('storage', 'object storage is unavailable'),
      'storage',
    ],
    [
      'tagged, then wrapped',
      drizzle(new ServiceUnavailableError('database', 'the database is unavailable')),
      'database',
    ],
    ['a unique violation', drizzle(withCode('duplicate key value violates unique constraint', '23505')), undefined],
    ['a syntax error', withCode('syntax error at or near "selec"', '42601'), undefined],
    ['a bare refused socket names no service', withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), undefined],
    ['a programming error', new TypeError('cannot read properties of undefined'), undefined],
    ['not an error at all', 'boom', undefined],
  ];

  it.each(table)('when the error is %s, then the outage names %s', (_what, error, dependency) => {
    const outage = outageOf(error);
    expect(outage?.dependency).toBe(dependency);
    if (outage) expect(outage.retryAfterSeconds).toBeGreaterThan(0);
  });

  const failures: Array<[string, unknown, boolean]> = [
    ['a refused socket', withCode('connect ECONNREFUSED 127.0.0.1:9000', 'ECONNREFUSED'), true],
    [
      'a reset socket under a wrapper',
      { message: 'request failed', cause: withCode('socket hang up', 'ECONNRESET') },
      true,
    ],
    ['a timed-out socket', withCode('connect ETIMEDOUT', 'ETIMEDOUT'), true],
    ['an S3 "no such key"', withCode('Not Found', 'NoSuchKey'), false],
    ['an S3 access denied', withCode('Access Denied', 'AccessDenied'), false],
  ];

  it.each(failures)('when the error is %s, then isConnectionFailure says %s', (_what, error, expected) => {
    expect(isConnectionFailure(error)).toBe(expected);
  });

  it('when an adapter marks a refused socket, then the outage names its service, even under a wrapper', () => {
    const cause = markOutage('storage', withCode('connect ECONNREFUSED 127.0.0.1:9000', 'ECONNREFUSED'));
    const outage = outageOf({ message: 'request failed', cause });
    expect(outage?.dependency).toBe('storage');
    expect(outage?.message).toMatch(/object storage .* unavailable .*ECONNREFUSED/);
  });

  it('when an adapter marks an error that is no outage, then it stays no outage', () => {
    const notFound = markOutage('storage', withCode('Not Found', 'NoSuchKey'));
    expect(outageOf(notFound)).toBeUndefined();
  });

  it('when a cause chain loops, then the walk still ends', () => {
    const a: { message: string; cause?: unknown } = { message: 'a' };
    a.cause = { message: 'b', cause: a };
    expect(outageOf(a)).toBeUndefined();
  });
});
