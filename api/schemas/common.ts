import { z } from 'zod';
import { HttpProblem } from '../middleware/problem.js';

export const Uuid = z.uuid();
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256');
export const Limit = z.coerce.number().int().min(1).max(200).default(50);
export const Cursor = z.string().max(500).regex(/^[A-Za-z0-9_-]+$/, 'an opaque cursor from a previous page');

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  issues: z.array(z.object({ location: z.string(), path: z.string(), message: z.string(), code: z.string() })).optional(),
  context: z.record(z.string(), z.unknown()).optional(),
});

export const problemResponses = {
  400: { description: 'Invalid request (problem+json listing each issue)', schema: Problem, contentType: 'application/problem+json' },
  401: { description: 'Missing or unknown API token', schema: Problem, contentType: 'application/problem+json' },
  403: { description: 'The token’s role may not call this route', schema: Problem, contentType: 'application/problem+json' },
} as const;

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A cursor from a previous page; anything else is a 400 rather than a silent restart at page one. */
export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new HttpProblem(400, 'Bad Request', 'the cursor is not one this API gave out', [{ location: 'query', path: 'cursor', message: 'unknown cursor', code: 'invalid_cursor' }]);
  }
}

export const Timestamp = z.iso.datetime({ offset: true });
