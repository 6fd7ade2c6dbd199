import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import type { RouteContract } from '../contract.js';
import { HttpProblem, type ProblemIssue } from './problem.js';

interface Validated {
  params: unknown;
  query: unknown;
  body: unknown;
}

declare module 'express-serve-static-core' {
  interface Request {
    validated?: Validated;
  }
}

/** The one validation middleware: params, query and body against the contract, all issues at once. */
export function validate(contract: RouteContract) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const issues: ProblemIssue[] = [];
    const check = (location: ProblemIssue['location'], schema: z.ZodType | undefined, value: unknown) => {
      if (!schema) return value;
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      for (const i of result.error.issues)
        issues.push({ location, path: i.path.join('.'), message: i.message, code: i.code });
      return undefined;
    };
    // PostgreSQL cannot store NUL in text; refuse it here rather than fail halfway through a write.
    for (const [location, value] of [
      ['params', req.params],
      ['query', req.query],
      ['body', contract.body === 'binary' ? undefined : req.body],
    ] as const) {
      for (const path of nulPaths(value, ''))
        issues.push({ location, path, message: 'text must not contain NUL characters', code: 'invalid_string' });
    }
    const params = check('params', contract.params, { ...req.params });
    const query = check('query', contract.query ?? emptyStrict(req.query), { ...(req.query as object) });
    let body: unknown;
    if (contract.body === 'binary') {
      const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!(contract.binaryTypes ?? []).includes(type)) {
        throw new HttpProblem(
          415,
          'Unsupported Media Type',
          `send the photo as ${(contract.binaryTypes ?? []).join(' or ')}, not "${type || 'no content type'}"`,
          [
            {
              location: 'header',
              path: 'content-type',
              message: `expected ${(contract.binaryTypes ?? []).join(' or ')}`,
              code: 'unsupported_media_type',
            },
          ],
        );
      }
      if (!Buffer.isBuffer(req.body) || req.body.length === 0)
        issues.push({ location: 'body', path: '', message: 'the body is empty', code: 'empty_body' });
    } else if (contract.body) {
      body = check('body', contract.body, req.body);
    } else if (
      req.body !== undefined &&
      !(typeof req.body === 'object' && Object.keys(req.body as object).length === 0)
    ) {
      issues.push({ location: 'body', path: '', message: 'this route takes no body', code: 'unexpected_body' });
    }
    if (issues.length > 0)
      throw new HttpProblem(
        400,
        'Bad Request',
        `the request has ${issues.length} problem${issues.length > 1 ? 's' : ''}`,
        issues,
      );
    req.validated = { params, query, body };
    next();
  };
}

/** Routes without a query schema accept no query parameters at all. */
function emptyStrict(query: unknown): z.ZodType | undefined {
  return query && Object.keys(query).length > 0
    ? ({
        safeParse: () => ({
          success: false,
          error: {
            issues: Object.keys(query).map((k) => ({
              path: [k],
              message: 'unknown query parameter',
              code: 'unrecognized_keys',
            })),
          },
        }),
      } as unknown as z.ZodType)
    : undefined;
}

function nulPaths(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path] : [];
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [
      ...(k.includes('\u0000') ? [path] : []),
      ...nulPaths(v, path ? `${path}.${k}` : k),
    ]);
  }
  return [];
}
