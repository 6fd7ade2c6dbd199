import { z } from 'zod';
import { hasControlCharacters } from '../../pipeline/domain/images.js';
import { HttpProblem } from '../middleware/problem.js';

export const Uuid = z.uuid();

/** A file name as a person gave it: any script, but no control characters (CR, LF, tab, DEL, C1 …). */
export const FileName = z
  .string()
  .min(1)
  .max(255)
  .refine((name) => !hasControlCharacters(name), 'a file name must not contain control characters (CR, LF, tab …)');
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256');
export const Limit = z.coerce.number().int().min(1).max(200).default(50);
export const Cursor = z
  .string()
  .max(500)
  .regex(/^[A-Za-z0-9_-]+$/, 'an opaque cursor from a previous page');

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  issues: z
    .array(z.object({ location: z.string(), path: z.string(), message: z.string(), code: z.string() }))
    .optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  requestId: z.string().optional().describe('The id of this request in the server logs (also the X-Request-Id header)'),
});

export const problemResponses = {
  400: {
    description: 'Invalid request (problem+json listing each issue)',
    schema: Problem,
    contentType: 'application/problem+json',
  },
  401: { description: 'Missing or unknown API token', schema: Problem, contentType: 'application/problem+json' },
  403: {
    description: 'The token’s role may not call this route',
    schema: Problem,
    contentType: 'application/problem+json',
  },
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
    throw new HttpProblem(400, 'Bad Request', 'the cursor is not one this API gave out', [
      { location: 'query', path: 'cursor', message: 'unknown cursor', code: 'invalid_cursor' },
    ]);
  }
}

export const Timestamp = z.iso.datetime({ offset: true });

/** Coordinates out: WGS-84 as RFC 7946 says, or GCJ-02 for Chinese base maps (AMap, Tencent). */
export const Crs = z.enum(['wgs84', 'gcj02']).default('wgs84');

export const GeoJsonCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    coordinateSystem: z
      .literal('GCJ-02')
      .optional()
      .describe('Present only when coordinates were converted for Chinese base maps'),
    bbox: z.array(z.number()).length(4).optional(),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        geometry: z.record(z.string(), z.unknown()),
        properties: z.record(z.string(), z.unknown()).nullable(),
      }),
    ),
  })
  .describe('RFC 7946 GeoJSON');

export const GEOJSON_TYPE = 'application/geo+json';
