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
      const walked = walk(value);
      if (walked.tooDeep)
        throw new HttpProblem(400, 'Bad Request', `the ${location} nests deeper than ${MAX_JSON_DEPTH} levels`, [
          { location, path: walked.tooDeep, message: `nested deeper than ${MAX_JSON_DEPTH} levels`, code: 'too_deep' },
        ]);
      for (const path of walked.nulPaths)
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

/**
 * How deep a request's JSON may nest. The deepest body a route takes is a GeoJSON MultiPolygon in
 * a FeatureCollection (about 8 levels); JSON.stringify and zod recurse, so a deeper value could
 * overflow the stack where no one catches it.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Where text holds NUL characters, and the first path deeper than MAX_JSON_DEPTH. Iterative, so a
 * value nested thousands of levels (which JSON.parse accepts) is measured, not recursed into.
 */
function walk(root: unknown): { nulPaths: string[]; tooDeep: string | undefined } {
  const nulPaths: string[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) nulPaths.push(path);
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { nulPaths, tooDeep: path };
    // Pushed last to first, so they are visited (and NULs reported) in document order.
    for (const [k, v] of Object.entries(value as Record<string, unknown>).reverse()) {
      if (k.includes('\u0000')) nulPaths.push(path);
      stack.push({ value: v, path: path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
  return { nulPaths, tooDeep: undefined };
}

/**
 * Whether JSON text nests deeper than `max`, from the raw bytes before parsing: JSON.parse accepts
 * any depth, but a 2 MB run of brackets takes it some 200 ms of the event loop, against a few here.
 */
export function jsonNestsDeeperThan(text: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
