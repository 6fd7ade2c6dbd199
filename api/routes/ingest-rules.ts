import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { route } from '../contract.js';
import { Problem, problemResponses, Uuid } from '../schemas/common.js';
import { HoldDecisionBody, Image, OrganisationRegion, RegionBoundaryGeometry } from '../schemas/resources.js';
import { HELD_IMAGE_EXAMPLE } from '../schemas/examples.js';
import { toImage } from '../serialize.js';

const ALL_ROLES = ['operator', 'reviewer', 'regulator', 'admin'] as const;
const problem = (description: string) => ({ description, schema: Problem, contentType: 'application/problem+json' });

// Examples for the API document (test/contract/openapi.test.ts checks them against the schemas).
/** Roughly Zhengzhou's municipal boundary (region 4101), [longitude, latitude]. */
const BOUNDARY_EXAMPLE = {
  type: 'Polygon',
  coordinates: [
    [
      [112.72, 34.62],
      [113.05, 34.93],
      [113.52, 34.98],
      [113.98, 34.89],
      [114.21, 34.61],
      [114.03, 34.3],
      [113.62, 34.27],
      [113.18, 34.33],
      [112.82, 34.42],
      [112.72, 34.62],
    ],
  ],
} satisfies z.input<typeof RegionBoundaryGeometry>;
const REGION_EXAMPLE = { regionCode: '4101', name: 'Henan', boundary: BOUNDARY_EXAMPLE };

/** The ingest rules' routes (docs/ingest.md): the bureau's boundary and decisions on held photos. */
export function ingestRuleRoutes(services: Services) {
  return [
    route(
      {
        method: 'get',
        path: '/organisation/region',
        summary: 'Your bureau’s region: its code and the boundary photos are checked against',
        tags: ['ingest'],
        roles: ALL_ROLES,
        responses: {
          200: { description: 'The region', schema: OrganisationRegion, example: REGION_EXAMPLE },
          ...problemResponses,
        },
      },
      async ({ principal }) => ({ status: 200, body: await services.ingestRules.region(principal) }),
    ),
    route(
      {
        method: 'put',
        path: '/organisation/region/boundary',
        summary:
          'Record the bureau’s boundary (a GeoJSON Polygon or MultiPolygon); photos processed from now on that were taken outside it are held (audited)',
        tags: ['ingest'],
        roles: ['admin'],
        body: z.object({ geometry: RegionBoundaryGeometry.nullable().describe('null removes the boundary') }).strict(),
        bodyExample: { geometry: BOUNDARY_EXAMPLE },
        responses: {
          200: { description: 'The region now', schema: OrganisationRegion, example: REGION_EXAMPLE },
          422: problem('The outline is not usable (too few points, crossing itself, not longitude/latitude)'),
          ...problemResponses,
        },
      },
      async ({ body, principal }) => ({
        status: 200,
        body: await services.ingestRules.setBoundary(principal, body.geometry),
      }),
    ),
    route(
      {
        method: 'post',
        path: '/images/:imageId/hold',
        summary:
          'Decide on a photo held because it was taken outside the bureau’s region: process it all the same (administrators, with a note) or leave it unprocessed; it is kept either way (audited)',
        tags: ['ingest'],
        roles: ['operator', 'admin'],
        params: z.object({ imageId: Uuid }).strict(),
        body: HoldDecisionBody,
        bodyExample: { decision: 'process', note: HELD_IMAGE_EXAMPLE.hold.note },
        responses: {
          200: {
            description: 'The photo as it is now; processing follows on the flight page',
            schema: Image,
            example: HELD_IMAGE_EXAMPLE,
          },
          404: problem('No such photo in your flights'),
          409: problem('The photo is not held (any more)'),
          422: problem('No note saying why it is processed'),
          ...problemResponses,
          403: problem('Not your role; processing is for administrators only'),
        },
      },
      async ({ params, body, principal }) => ({
        status: 200,
        body: toImage(await services.ingestRules.decideHold(principal, params.imageId, body.decision, body.note)),
      }),
    ),
  ];
}
