import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { route } from '../contract.js';
import { problemResponses, Uuid } from '../schemas/common.js';
import { Finding } from '../schemas/resources.js';
import { toFinding } from '../serialize.js';

const READERS = ['operator', 'reviewer', 'regulator', 'admin'] as const;

export function findingRoutes(services: Services) {
  return [
    route(
      {
        method: 'get',
        path: '/flights/:flightId/findings',
        operationId: 'listFlightFindings',
        summary: 'Findings of a flight, one per hazard, with every view ranked',
        tags: ['findings'],
        roles: READERS,
        params: z.object({ flightId: Uuid }).strict(),
        responses: {
          200: { description: 'Findings, highest score first', schema: z.object({ items: z.array(Finding) }) },
          404: { description: 'No such flight' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        await services.flights.status(principal, params.flightId);
        return {
          status: 200,
          body: {
            items: (await services.findings.forFlight(principal, params.flightId)).map((f) => toFinding(f, principal)),
          },
        };
      },
    ),
    route(
      {
        method: 'post',
        path: '/flights/:flightId/findings/merge',
        operationId: 'mergeFlightFindings',
        summary:
          'Merge the flight’s detections that no finding holds yet (normally automatic once every photo is done)',
        tags: ['findings'],
        roles: ['admin'],
        params: z.object({ flightId: Uuid }).strict(),
        responses: {
          200: {
            description: 'Findings created, and detections that joined existing ones',
            schema: z.object({ created: z.number().int(), joined: z.number().int() }),
          },
          404: { description: 'No such flight' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        await services.flights.status(principal, params.flightId);
        return { status: 200, body: await services.findings.mergeFlight(params.flightId) };
      },
    ),
    route(
      {
        method: 'get',
        path: '/findings/:findingId',
        operationId: 'getFinding',
        summary: 'One finding with its views',
        tags: ['findings'],
        roles: READERS,
        params: z.object({ findingId: Uuid }).strict(),
        responses: {
          200: { description: 'The finding', schema: Finding },
          404: { description: 'No such finding' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => ({
        status: 200,
        body: toFinding(await services.findings.get(principal, params.findingId), principal),
      }),
    ),
  ];
}
