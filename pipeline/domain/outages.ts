/**
 * Which failures mean "a service is away" rather than "this request is wrong" or "we have a bug".
 * Pure: it reads an error's code and message, and those of its causes. The adapters mark the
 * connection failures they see with their service (markOutage: the database pool, the queue, the
 * S3 transport); the drivers' own messages tell the rest apart, like a connection that drops in
 * the middle of a transaction, which Drizzle wraps in its own error.
 */
import { type Dependency, ServiceUnavailableError } from './errors.js';

/** Socket-level failures: the peer refused, vanished, or did not answer in time. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * SQLSTATEs of a server that is going away or not taking connections: class 08 (connection
 * exception), 57P01–57P03 (admin shutdown, crash shutdown, cannot connect now) and 53300 (too many
 * connections). Errors of the query itself (syntax, constraint) are not outages.
 */
const isOutageSqlState = (code: string) => /^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code) || code === '53300';

/** Messages node-postgres and PGlite give for a connection that is gone or never came. */
const DATABASE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^Query read timeout/,
  /^PGlite is closed/,
  /^Cannot use a pool after calling end on the pool/,
];

/** Messages ioredis (under BullMQ) gives when Redis is not connected. */
const QUEUE_MESSAGES = [
  /^Connection is closed/,
  /enableOfflineQueue options is false/,
  /^Reached the max retries per request limit/,
  /^Redis connection lost/,
];

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The error and its causes, outermost first; bounded, since a cause chain could loop. */
function chain(error: unknown): ErrorShape[] {
  const out: ErrorShape[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && out.length < 8 && !out.includes(current)) {
    out.push(current);
    current = (current as ErrorShape).cause;
  }
  return out;
}

/** A connection-level failure, whoever raised it; `dependency` says whose it is when that is known. */
export function isConnectionFailure(error: unknown): boolean {
  return chain(error).some(
    (e) =>
      e instanceof ServiceUnavailableError ||
      (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || isOutageSqlState(e.code))) ||
      (typeof e.message === 'string' &&
        [...DATABASE_MESSAGES, ...QUEUE_MESSAGES].some((pattern) => pattern.test(e.message as string))),
  );
}

/**
 * The outage an error reports, or undefined when it reports something else. A
 * ServiceUnavailableError or a marked connection failure anywhere in the chain names its service;
 * otherwise the database and Redis are told apart by their drivers' messages and SQLSTATEs. An
 * unmarked socket error names no service, so it is not taken for an outage.
 */
export function outageOf(error: unknown): ServiceUnavailableError | undefined {
  const errors = chain(error);
  const thrown = errors.find((e): e is ServiceUnavailableError => e instanceof ServiceUnavailableError);
  if (thrown) return thrown;
  for (const e of errors) {
    const message = typeof e.message === 'string' && e.message ? e.message : typeof e.code === 'string' ? e.code : '';
    const dependency: Dependency | undefined =
      markOf(e) ??
      ((typeof e.code === 'string' && isOutageSqlState(e.code)) || DATABASE_MESSAGES.some((p) => p.test(message))
        ? 'database'
        : QUEUE_MESSAGES.some((p) => p.test(message))
          ? 'queue'
          : undefined);
    if (dependency) return new ServiceUnavailableError(dependency, describe(dependency, message || 'unreachable'));
  }
  return undefined;
}

const DEPENDENCY = Symbol('hazardscope.outage.dependency');

/**
 * Marks a connection failure with the service it came from, and returns the error itself. The
 * adapters mark what they see (the database pool, the queue, the S3 transport); marking rather than
 * wrapping works for errors that surface later through streams and drivers' own wrappers.
 */
export function markOutage<E>(dependency: Dependency, error: E): E {
  if (error && typeof error === 'object' && !(error instanceof ServiceUnavailableError) && isConnectionFailure(error))
    Object.defineProperty(error, DEPENDENCY, { value: dependency, configurable: true });
  return error;
}

function markOf(e: ErrorShape): Dependency | undefined {
  return (e as { [DEPENDENCY]?: Dependency })[DEPENDENCY];
}

const NAMES: Record<Dependency, string> = {
  database: 'the database',
  queue: 'the job queue (Redis)',
  storage: 'object storage (S3)',
};

function describe(dependency: Dependency, reason: string): string {
  return `${NAMES[dependency]} is unavailable (${reason.split('\n')[0]!.slice(0, 200)}); try again shortly`;
}
