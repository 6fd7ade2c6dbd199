import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  UnprocessableError,
  UnsupportedContentError,
} from '../../pipeline/domain/errors.js';
import { outageOf } from '../../pipeline/domain/outages.js';
import type { Logger } from '../../pipeline/logger.js';
import { currentRequestId } from '../../pipeline/request-context.js';

export interface ProblemIssue {
  location: 'params' | 'query' | 'body' | 'header';
  path: string;
  message: string;
  code: string;
}

/** An error that already knows its HTTP answer (validation, auth, body parsing). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly issues?: ProblemIssue[],
    readonly headers?: Record<string, string>,
    /** More about the problem, as the body's `context` (what readiness found, for one). */
    readonly context?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const DOMAIN_STATUS: Array<[new (...args: never[]) => DomainError, number, string]> = [
  [NotFoundError, 404, 'Not Found'],
  [ConflictError, 409, 'Conflict'],
  [UnprocessableError, 422, 'Unprocessable Content'],
  [UnauthenticatedError, 401, 'Unauthorized'],
  [ForbiddenError, 403, 'Forbidden'],
  [UnsupportedContentError, 415, 'Unsupported Media Type'],
];

/** The problem+json body, also written by hand where Express is not involved (api/client-errors.ts). */
export function problemBody(status: number, title: string, detail: string, instance: string | undefined) {
  return {
    type: `https://hazardscope.dev/problems/${status}`,
    title,
    status,
    detail,
    ...(instance === undefined ? {} : { instance }),
    // The id in the logs of this request: what to quote when reporting the problem.
    ...(currentRequestId() ? { requestId: currentRequestId() } : {}),
  };
}

export function sendProblem(
  res: Response,
  req: Request,
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ ...problemBody(status, title, detail, req.originalUrl), ...extra }));
}

/** The one error middleware: maps domain and HTTP errors to problem+json; hides internals. */
export function errorMiddleware(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (error instanceof HttpProblem) {
      if (error.headers) res.set(error.headers);
      sendProblem(res, req, error.status, error.title, error.message, {
        ...(error.issues ? { issues: error.issues } : {}),
        ...(error.context ? { context: error.context } : {}),
      });
      return;
    }
    for (const [type, status, title] of DOMAIN_STATUS) {
      if (error instanceof type) {
        sendProblem(res, req, status, title, error.message, error.detail ? { context: error.detail } : {});
        return;
      }
    }
    // Before the 500 below: an outage is nobody's bug, and the same request works once it is over.
    const outage = outageOf(error);
    if (outage) {
      logger.warn({ dependency: outage.dependency, err: outage.message, url: req.originalUrl }, 'service unavailable');
      res.set('Retry-After', String(outage.retryAfterSeconds));
      sendProblem(res, req, 503, 'Service Unavailable', outage.message, { context: { dependency: outage.dependency } });
      return;
    }
    if (error instanceof ZodError) {
      sendProblem(res, req, 400, 'Bad Request', 'the request is invalid', {
        issues: error.issues.map((i) => ({
          location: 'body',
          path: i.path.join('.'),
          message: i.message,
          code: i.code,
        })),
      });
      return;
    }
    const bodyError = error as { type?: string; status?: number; message?: string };
    if (bodyError.type === 'entity.too.large') {
      sendProblem(res, req, 413, 'Content Too Large', bodyError.message ?? 'request body too large');
      return;
    }
    if (bodyError.type === 'entity.parse.failed') {
      sendProblem(res, req, 400, 'Bad Request', `the body is not valid JSON: ${bodyError.message ?? ''}`.trim(), {
        issues: [{ location: 'body', path: '', message: 'invalid JSON', code: 'invalid_json' }],
      });
      return;
    }
    // Errors from Express and body-parser that already carry a client-error status (a malformed
    // percent-encoding in the path, an unsupported charset, an aborted request).
    const status =
      (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendProblem(
        res,
        req,
        status,
        STATUS_CODES[status] ?? 'Bad Request',
        bodyError.message ?? 'the request is invalid',
      );
      return;
    }
    logger.error(
      {
        err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error),
        url: req.originalUrl,
      },
      'unhandled error',
    );
    sendProblem(res, req, 500, 'Internal Server Error', 'something went wrong on our side; it has been logged');
  };
}
