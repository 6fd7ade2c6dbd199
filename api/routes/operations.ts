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

// Examples for the API document (test/contract/openapi.test.ts checks them against the schemas).
const OVERVIEW_EXAMPLE = {
  queues: {
    detection: { waiting: 37, active: 2, delayed: 1, failed: 2, completed: 18_264 },
    findings: { waiting: 0, active: 0, delayed: 1, failed: 0, completed: 412 },
  },
  failed: [
    {
      imageId: '7a9c1e3b-5d2f-4a6c-8e0b-2c4e6a8c0e92',
      flightId: 'a1c3e5f7-2b4d-4f6a-8c0e-1d3f5b7a9c2e',
      flightName: '金水区化工园区周巡查 Jinshui chemical park weekly survey 2026-12-05',
      filename: 'DJI_20261205095433_0171_W.JPG',
      reason: 'not a decodable image: premature end of JPEG data (truncated)',
      category: 'undecodable' as const,
      kind: 'permanent' as const,
      automaticRetries: 0,
      automaticRetriesLeft: 0,
      failedAt: '2026-12-05T01:58:20.000Z',
      discardedAt: null,
    },
    {
      imageId: '8b0d2f4c-6e3a-4b7d-9f1c-3d5f7b9d1fa3',
      flightId: '0c2e4a6c-8e1b-4d3f-a5c7-9e1b3d5f7b04',
      flightName: '二七区物流园消防通道检查 Erqi logistics park fire lanes',
      filename: 'DJI_20261204151207_0009_W.JPG',
      reason: 'could not read the original from storage: connect ETIMEDOUT 10.20.0.14:9000',
      category: 'storage' as const,
      kind: 'transient' as const,
      automaticRetries: 5,
      automaticRetriesLeft: 0,
      failedAt: '2026-12-04T07:22:51.000Z',
      discardedAt: null,
    },
  ],
  failedByCategory: { undecodable: 1, storage: 1 },
};

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
        responses: {
          200: { description: 'The pipeline now', schema: OperationsOverview, example: OVERVIEW_EXAMPLE },
          ...problemResponses,
        },
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
            example: { retried: 14, leftDiscarded: 2 },
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
        bodyExample: {
          note: '文件在SD卡上已损坏，无法重新上传 (the file is damaged on the SD card; it cannot be uploaded again)',
        },
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
