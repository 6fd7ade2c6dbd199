import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { FAILURE_CATEGORIES } from '../../pipeline/domain/failures.js';
import { route } from '../contract.js';
import { Problem, problemResponses, Timestamp } from '../schemas/common.js';

const problem = (description: string) => ({ description, schema: Problem, contentType: 'application/problem+json' });
const ImageId = z.object({ imageId: z.uuid() }).strict();

const FailedPhoto = z.object({
  imageId: z.uuid(),
  flightId: z.uuid(),
  flightName: z.string(),
  filename: z.string().nullable(),
  reason: z.string(),
  category: z.enum(FAILURE_CATEGORIES).describe('What kind of failure it is (docs/runbook.md has one entry per kind)'),
  kind: z
    .enum(['permanent', 'transient'])
    .nullable()
    .describe('transient: retried automatically while retries are left; permanent: waits for a person'),
  automaticRetries: z.number().int(),
  automaticRetriesLeft: z.number().int(),
  failedAt: Timestamp.nullable(),
  discardedAt: Timestamp.nullable().describe('When a person chose to leave it failed: "retry all" skips it'),
});

const OperationsOverview = z.object({
  queues: z
    .record(z.string(), z.record(z.string(), z.number().int()))
    .describe('Jobs per queue by state (waiting, active, delayed, failed, completed): the whole installation'),
  failed: z.array(FailedPhoto).describe('Failed photos of your organisation, newest first (at most 500)'),
  failedByCategory: z.record(z.string(), z.number().int()),
});

export function operationsRoutes(services: Services) {
  return [
    route(
      {
        method: 'get',
        path: '/admin/operations',
        operationId: 'getOperations',
        summary: 'Queue depth by state and every failed photo with its reason, for the operations page',
        tags: ['operations'],
        roles: ['admin'],
        responses: { 200: { description: 'The pipeline now', schema: OperationsOverview }, ...problemResponses },
      },
      async ({ principal }) => ({ status: 200, body: await services.operations.overview(principal) }),
    ),
    route(
      {
        method: 'post',
        path: '/admin/images/:imageId/retry',
        operationId: 'retryImage',
        summary: 'Put a failed photo back in the queue, with its automatic retries restored (audited)',
        tags: ['operations'],
        roles: ['admin'],
        params: ImageId,
        responses: {
          202: { description: 'Queued again; the flight page follows it' },
          404: problem('No such photo in your flights'),
          409: problem('The photo is not failed (any more)'),
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        await services.operations.retry(principal, params.imageId);
        return { status: 202 };
      },
    ),
    route(
      {
        method: 'post',
        path: '/admin/images/retry-failed',
        operationId: 'retryFailedImages',
        summary:
          'Put every failed photo of your organisation back in the queue, except those a person left failed (audited per photo)',
        tags: ['operations'],
        roles: ['admin'],
        responses: {
          200: {
            description: 'How many were queued again, and how many were left as a person chose',
            schema: z.object({ retried: z.number().int(), leftDiscarded: z.number().int() }),
          },
          ...problemResponses,
        },
      },
      async ({ principal }) => ({ status: 200, body: await services.operations.retryAll(principal) }),
    ),
    route(
      {
        method: 'post',
        path: '/admin/images/:imageId/discard',
        operationId: 'discardImage',
        summary: 'Leave a failed photo as failed: no automatic retry touches it again (audited)',
        tags: ['operations'],
        roles: ['admin'],
        params: ImageId,
        body: z.object({ note: z.string().trim().max(500).optional() }).strict(),
        responses: {
          204: { description: 'Left as failed' },
          404: problem('No such photo in your flights'),
          409: problem('The photo is not failed (any more)'),
          ...problemResponses,
        },
      },
      async ({ params, body, principal }) => {
        await services.operations.discard(principal, params.imageId, body.note);
        return { status: 204 };
      },
    ),
  ];
}
