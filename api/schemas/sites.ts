import { z } from 'zod';
import { creditCodeProblem, geometryProblems, regionCodes } from '../../pipeline/domain/sites.js';
import { Timestamp, Uuid } from './common.js';

/** [longitude, latitude], WGS-84, as GeoJSON (RFC 7946) orders them. */
// RFC 7946 allows an altitude as a third number; outlines are flat, so it is dropped.
const Position = z
  .array(z.number())
  .min(2, 'a position is [longitude, latitude]')
  .max(3, 'a position is [longitude, latitude] or [longitude, latitude, altitude]')
  .transform((p): [number, number] => [p[0]!, p[1]!]);
const BBox = z.array(z.number()).min(4).max(6).optional();
const Ring = z.array(Position).min(3).max(10_000);
const Polygon = z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1).max(100) }).strict();
const MultiPolygon = z
  .object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1).max(100)).min(1).max(100) })
  .strict();

const SiteGeometrySchema = z.discriminatedUnion('type', [Polygon, MultiPolygon]).superRefine((geometry, ctx) => {
  for (const problem of geometryProblems(geometry)) ctx.addIssue({ code: 'custom', message: problem });
});

const SiteProperties = z
  .object({
    name: z.string().trim().min(1).max(200),
    /** Unified social credit code (统一社会信用代码), checked against its check character. */
    creditCode: z
      .string()
      .trim()
      .toUpperCase()
      .superRefine((code, ctx) => {
        const problem = creditCodeProblem(code);
        if (problem) ctx.addIssue({ code: 'custom', message: `not a unified social credit code: ${problem}` });
      }),
    industry: z.string().trim().min(1).max(100),
    /** County-level administrative division code (GB/T 2260), six digits. */
    regionCode: z.string().regex(/^\d{6}$/, 'a six-digit administrative division code'),
    contact: z
      .object({
        name: z.string().trim().max(100).optional(),
        phone: z.string().trim().max(40).optional(),
        email: z.email().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export const SiteFeature = z
  .object({
    type: z.literal('Feature'),
    properties: SiteProperties,
    geometry: SiteGeometrySchema,
    id: z.union([z.string(), z.number()]).optional(),
    bbox: BBox,
  })
  .strict();

export const SiteImport = z
  .object({ type: z.literal('FeatureCollection'), features: z.array(SiteFeature).min(1).max(5000), bbox: BBox })
  .strict()
  .superRefine((collection, ctx) => {
    const seen = new Map<string, number>();
    collection.features.forEach((f, i) => {
      const first = seen.get(f.properties.creditCode);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['features', i, 'properties', 'creditCode'],
          message: `the same credit code as features[${first}]`,
        });
      else seen.set(f.properties.creditCode, i);
    });
  });

export const Site = z.object({
  id: Uuid,
  name: z.string(),
  creditCode: z.string(),
  industry: z.string(),
  regionCode: z.string(),
  region: z.object({ province: z.string(), city: z.string(), county: z.string() }),
  contact: z.record(z.string(), z.unknown()),
  geometry: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
});

export const SiteRef = z.object({ id: Uuid, name: z.string(), creditCode: z.string(), regionCode: z.string() });

export function toSite(row: {
  id: string;
  name: string;
  creditCode: string;
  industry: string;
  regionCode: string;
  contact: unknown;
  geometry: unknown;
  createdAt: Date;
}): z.infer<typeof Site> {
  return {
    id: row.id,
    name: row.name,
    creditCode: row.creditCode,
    industry: row.industry,
    regionCode: row.regionCode,
    region: regionCodes(row.regionCode),
    contact: row.contact as Record<string, unknown>,
    geometry: row.geometry as Record<string, unknown>,
    createdAt: row.createdAt.toISOString(),
  };
}
