import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { route } from '../contract.js';
import {
  Crs,
  Cursor,
  decodeCursor,
  encodeCursor,
  GEOJSON_TYPE,
  GeoJsonCollection,
  Limit,
  problemResponses,
  Timestamp,
  Uuid,
} from '../schemas/common.js';
import { Site, SiteFeature, SiteImport, SiteRef, toSite } from '../schemas/sites.js';

const SiteCursor = z.object({ createdAt: Timestamp, id: Uuid });
const READERS = ['reviewer', 'regulator', 'admin'] as const;
const toNewSite = (f: z.infer<typeof SiteFeature>) => ({ ...f.properties, geometry: f.geometry });
const outsideRegion = { 422: { description: 'A site outside your region' } } as const;

// Examples for the API document (test/contract/openapi.test.ts checks them against the schemas).
const OUTLINE_EXAMPLE = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [113.6612, 34.7468],
      [113.6652, 34.7468],
      [113.6652, 34.7508],
      [113.6612, 34.7508],
      [113.6612, 34.7468],
    ],
  ],
};
const FEATURE_EXAMPLE = {
  type: 'Feature' as const,
  properties: {
    name: '郑州示范化工有限公司',
    creditCode: '91410105MA9F5G8X1A',
    industry: 'chemicals',
    regionCode: '410105',
    contact: { name: 'Safety officer', phone: '0371-00000000' },
  },
  geometry: OUTLINE_EXAMPLE,
};
const SITE_EXAMPLE = {
  id: '3f6d2c1e-8b4a-4f7e-9c2d-5a1b0e9f8d7c',
  name: '郑州示范化工有限公司',
  creditCode: '91410105MA9F5G8X1A',
  industry: 'chemicals',
  regionCode: '410105',
  region: { province: '410000', city: '410100', county: '410105' },
  contact: { name: 'Safety officer', phone: '0371-00000000' },
  geometry: OUTLINE_EXAMPLE,
  createdAt: '2026-03-02T08:15:00.000Z',
};

export function siteRoutes(services: Services) {
  return [
    route(
      {
        method: 'post',
        path: '/sites',
        operationId: 'createSite',
        summary: 'Register a site (enterprise) with its outline, as a GeoJSON Feature',
        tags: ['sites'],
        roles: ['admin'],
        body: SiteFeature,
        bodyExample: FEATURE_EXAMPLE,
        responses: {
          201: { description: 'Registered', schema: Site, example: SITE_EXAMPLE },
          409: { description: 'Credit code already registered' },
          ...outsideRegion,
          ...problemResponses,
        },
      },
      async ({ body, principal }) => ({
        status: 201,
        body: toSite((await services.sites.import(principal, [toNewSite(body)]))[0]!),
      }),
    ),
    route(
      {
        method: 'post',
        path: '/sites/import',
        operationId: 'importSites',
        summary: 'Register many sites from a GeoJSON FeatureCollection: all of them or, on any problem, none',
        tags: ['sites'],
        roles: ['admin'],
        body: SiteImport,
        bodyExample: { type: 'FeatureCollection', features: [FEATURE_EXAMPLE] },
        responses: {
          201: {
            description: 'Imported',
            schema: z.object({ imported: z.number().int(), ids: z.array(Uuid) }),
            example: { imported: 1, ids: [SITE_EXAMPLE.id] },
          },
          409: { description: 'Some credit codes already registered' },
          ...outsideRegion,
          ...problemResponses,
        },
      },
      async ({ body, principal }) => {
        const created = await services.sites.import(principal, body.features.map(toNewSite));
        return { status: 201, body: { imported: created.length, ids: created.map((s) => s.id) } };
      },
    ),
    route(
      {
        method: 'get',
        path: '/sites',
        operationId: 'listSites',
        summary: 'Sites of your organisation in your region, optionally within a province, city or county code prefix',
        tags: ['sites'],
        roles: READERS,
        query: z
          .object({
            region: z
              .string()
              .regex(/^\d{2}(\d{2}(\d{2})?)?$/, 'a 2-, 4- or 6-digit region code prefix')
              .optional(),
            limit: Limit,
            cursor: Cursor.optional(),
          })
          .strict(),
        responses: {
          200: {
            description: 'A page of sites',
            schema: z.object({ items: z.array(Site), nextCursor: z.string().nullable() }),
            example: { items: [SITE_EXAMPLE], nextCursor: null },
          },
          ...problemResponses,
        },
      },
      async ({ query, principal }) => {
        const after = decodeCursor(query.cursor, SiteCursor);
        const rows = await services.sites.list(principal, {
          regionPrefix: query.region,
          limit: query.limit + 1,
          after: after && { createdAt: new Date(after.createdAt), id: after.id },
        });
        const items = rows.slice(0, query.limit);
        const last = items.at(-1);
        return {
          status: 200,
          body: {
            items: items.map(toSite),
            nextCursor:
              rows.length > query.limit && last
                ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id })
                : null,
          },
        };
      },
    ),
    route(
      {
        method: 'get',
        path: '/sites/geojson',
        operationId: 'getSitesGeoJson',
        summary: 'Site outlines as GeoJSON, optionally within a region code prefix',
        tags: ['sites', 'geo'],
        roles: READERS,
        query: z
          .object({
            region: z
              .string()
              .regex(/^\d{2}(\d{2}(\d{2})?)?$/, 'a 2-, 4- or 6-digit region code prefix')
              .optional(),
            crs: Crs,
            limit: z.coerce.number().int().min(1).max(5000).default(1000),
          })
          .strict(),
        responses: {
          200: {
            description: 'FeatureCollection',
            schema: GeoJsonCollection,
            contentType: GEOJSON_TYPE,
            example: {
              type: 'FeatureCollection',
              features: [
                {
                  type: 'Feature',
                  geometry: OUTLINE_EXAMPLE,
                  properties: {
                    kind: 'site',
                    siteId: SITE_EXAMPLE.id,
                    name: SITE_EXAMPLE.name,
                    creditCode: SITE_EXAMPLE.creditCode,
                    industry: SITE_EXAMPLE.industry,
                    regionCode: SITE_EXAMPLE.regionCode,
                  },
                },
              ],
            },
          },
          ...problemResponses,
        },
      },
      async ({ query, principal }) => ({
        status: 200,
        headers: { 'content-type': GEOJSON_TYPE },
        body: await services.sites.geojson(
          principal,
          { regionPrefix: query.region, limit: query.limit },
          { crs: query.crs },
        ),
      }),
    ),
    route(
      {
        method: 'get',
        path: '/sites/attribution',
        operationId: 'getSiteAttribution',
        summary: 'The site whose outline contains a WGS-84 point (the smallest, where outlines nest), or null',
        tags: ['sites'],
        roles: READERS,
        query: z
          .object({ lat: z.coerce.number().min(-90).max(90), lon: z.coerce.number().min(-180).max(180) })
          .strict(),
        responses: {
          200: {
            description: 'The attributed site, or null for unattributed',
            schema: z.object({ site: SiteRef.nullable() }),
            example: {
              site: {
                id: SITE_EXAMPLE.id,
                name: SITE_EXAMPLE.name,
                creditCode: SITE_EXAMPLE.creditCode,
                regionCode: '410105',
              },
            },
          },
          ...problemResponses,
        },
      },
      async ({ query, principal }) => ({
        status: 200,
        body: { site: (await services.sites.attribute(principal, query.lat, query.lon)) ?? null },
      }),
    ),
    route(
      {
        method: 'get',
        path: '/sites/:siteId',
        operationId: 'getSite',
        summary: 'One site',
        tags: ['sites'],
        roles: READERS,
        params: z.object({ siteId: Uuid }).strict(),
        responses: {
          200: { description: 'The site', schema: Site, example: SITE_EXAMPLE },
          404: { description: 'No such site' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => ({
        status: 200,
        body: toSite(await services.sites.get(principal, params.siteId)),
      }),
    ),
  ];
}
