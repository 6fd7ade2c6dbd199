import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { route } from '../contract.js';
import { problemResponses, Uuid } from '../schemas/common.js';
import { FINDING_EXAMPLE } from '../schemas/examples.js';
import { Finding } from '../schemas/resources.js';
import {
  FindingHistory,
  HISTORY_EXAMPLE,
  Revision,
  REVISION_EXAMPLE,
  REVISION_RESULT_EXAMPLE,
  RevisionResult,
} from '../schemas/revisions.js';
import { toCaseRef, toFinding } from '../serialize.js';

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
          200: {
            description: 'Findings, highest score first',
            schema: z.object({ items: z.array(Finding) }),
            example: { items: [FINDING_EXAMPLE] },
          },
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
            example: { created: 4, joined: 9 },
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
          200: { description: 'The finding', schema: Finding, example: FINDING_EXAMPLE },
          404: { description: 'No such finding' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => ({
        status: 200,
        body: toFinding(await services.findings.get(principal, params.findingId), principal),
      }),
    ),
    route(
      {
        method: 'get',
        path: '/findings/:findingId/history',
        operationId: 'getFindingHistory',
        summary: 'What happened to a finding, oldest first: detections, the decision, revisions and its cases',
        tags: ['findings'],
        roles: ['reviewer', 'regulator', 'admin'],
        params: z.object({ findingId: Uuid }).strict(),
        responses: {
          200: { description: 'The history', schema: FindingHistory, example: HISTORY_EXAMPLE },
          404: { description: 'No such finding in your organisation and region' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        const { items, canRevise } = await services.findingHistory.history(principal, params.findingId);
        return { status: 200, body: { items: items.map((e) => ({ ...e, at: e.at.toISOString() })), canRevise } };
      },
    ),
    route(
      {
        method: 'post',
        path: '/findings/:findingId/revise',
        operationId: 'reviseFindingDecision',
        summary:
          'Revise the decision on a finding with a reason (an admin, or the reviewer who made it); its case follows while it is only filed',
        tags: ['review'],
        roles: ['reviewer', 'admin'],
        params: z.object({ findingId: Uuid }).strict(),
        body: Revision,
        bodyExample: REVISION_EXAMPLE,
        responses: {
          201: { description: 'Revised', schema: RevisionResult, example: REVISION_RESULT_EXAMPLE },
          ...problemResponses,
          403: {
            ...problemResponses[403],
            description:
              'Not an admin nor the reviewer whose decision stands, or you flew this flight or uploaded its photos',
          },
          404: { description: 'No such finding in your organisation and region' },
          409: {
            description:
              'Not decided yet, already so, or its case was notified (or ended): the problem says which case and why',
          },
          422: { description: 'Unknown class, or a label without a relabel' },
        },
      },
      async ({ params, body, principal }) => {
        const o = await services.revisions.revise(principal, params.findingId, body);
        return {
          status: 201,
          body: {
            id: o.revision.id,
            findingId: o.finding.id,
            fromStatus: o.revision.fromStatus,
            findingStatus: o.finding.status,
            fromClass: o.revision.fromClass,
            toClass: o.revision.toClass,
            reason: o.revision.reason,
            case: o.caseRow ? toCaseRef(o.caseRow) : null,
            caseEffect: o.caseEffect,
            createdAt: o.revision.createdAt.toISOString(),
          },
        };
      },
    ),
  ];
}
