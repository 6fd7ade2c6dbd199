/** Domain errors; the API's error middleware maps each to an HTTP status and problem+json. */
export class DomainError extends Error {
  constructor(
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {}
/** The request conflicts with the current state (a different decision already recorded, …). */
export class ConflictError extends DomainError {}
/** Well-formed but not acceptable (wrong content, unknown flight in a key, …). */
export class UnprocessableError extends DomainError {}
export class UnauthenticatedError extends DomainError {}
export class ForbiddenError extends DomainError {}

/**
 * The work a job asked for can never succeed, however often it is tried (its record is gone, its
 * content is not what was registered). The job processor stops retrying it; other errors are
 * taken as transient and retried.
 */
export class PermanentJobError extends DomainError {}

/**
 * The content is not of a type this route takes (a PNG sent as a JPEG, a text file named .jpg),
 * found by looking at the bytes rather than trusting the declared type.
 */
export class UnsupportedContentError extends DomainError {}

/** The services a request may need and find unavailable. */
export type Dependency = 'database' | 'queue' | 'storage';

/**
 * A service the request needs cannot be reached (refused, reset, timed out): nothing is wrong with
 * the request, and the same request should succeed once the service is back.
 */
export class ServiceUnavailableError extends DomainError {
  constructor(
    readonly dependency: Dependency,
    message: string,
    readonly retryAfterSeconds = 5,
  ) {
    super(message, { dependency });
  }
}
