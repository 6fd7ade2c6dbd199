import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { scopeOf } from '../../pipeline/domain/scope.js';
import { route } from '../contract.js';
import { isWebhook } from '../middleware/auth.js';
import { problemResponses } from '../schemas/common.js';
import { S3Event } from '../schemas/resources.js';

const Outcome = z.object({
  objectKey: z.string(),
  outcome: z.enum(['registered', 'already-registered', 'ignored', 'rejected']),
  imageId: z.uuid().optional(),
  reason: z
    .string()
    .optional()
    .describe(
      'Why it was ignored (not yet complete: left for a later event or the flight’s completion) or rejected (not the photo its key names: deleted, never an image)',
    ),
});

export function ingestRoutes(services: Services) {
  return [
    route(
      {
        method: 'post',
        path: '/ingest/s3-events',
        summary: 'MinIO bucket notification webhook (object keys arrive URL-encoded)',
        tags: ['ingest'],
        roles: ['operator', 'admin'],
        webhook: true,
        body: S3Event,
        responses: {
          200: { description: 'What happened to each record', schema: z.object({ results: z.array(Outcome) }) },
          ...problemResponses,
        },
      },
      async ({ body, principal }) => ({
        status: 200,
        body: {
          results: await services.ingest.handleS3Event(
            body.Records,
            isWebhook(principal) ? undefined : scopeOf(principal),
          ),
        },
      }),
    ),
    route(
      {
        method: 'post',
        path: '/admin/reconcile',
        summary: 'List the originals bucket and register any object of your organisation’s flights the database lacks',
        tags: ['ingest'],
        roles: ['admin'],
        body: z.object({ prefix: z.string().startsWith('flights/').max(200).optional() }).strict(),
        responses: {
          200: {
            description: 'Counts',
            schema: z.object({
              listed: z.number().int(),
              registered: z.number().int(),
              requeued: z.number().int(),
              ignored: z.number().int(),
              rejected: z.number().int().describe('Objects that were not the photo their key names, deleted'),
            }),
          },
          ...problemResponses,
        },
      },
      async ({ body, principal }) => ({
        status: 200,
        body: await services.ingest.reconcile(body.prefix ?? 'flights/', scopeOf(principal)),
      }),
    ),
  ];
}
