import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { route } from '../contract.js';
import { Problem, problemResponses, Uuid } from '../schemas/common.js';
import { HoldDecisionBody, Image, OrganisationRegion, RegionBoundaryGeometry } from '../schemas/resources.js';
import { toImage } from '../serialize.js';

const ALL_ROLES = ['operator', 'reviewer', 'regulator', 'admin'] as const;
const problem = (description: string) => ({ description, schema: Problem, contentType: 'application/problem+json' });

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
        responses: { 200: { description: 'The region', schema: OrganisationRegion }, ...problemResponses },
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
        responses: {
          200: { description: 'The region now', schema: OrganisationRegion },
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
        responses: {
          200: { description: 'The photo as it is now; processing follows on the flight page', schema: Image },
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
