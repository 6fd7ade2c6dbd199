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

// Examples for the API document (test/contract/openapi.test.ts checks them against the schemas).
const FLIGHT_ID = 'a1c3e5f7-2b4d-4f6a-8c0e-1d3f5b7a9c2e';
const OBJECT_KEY = `flights/${FLIGHT_ID}/9c1185a5c5e9fc54612808977ee8f548b2258d31d3c8a5a7f1f2f4c9e2b0d7a1.jpg`;
const BUCKET = 'hazardscope-originals';
/** What MinIO posts to its webhook target for one presigned upload. */
const S3_EVENT_EXAMPLE = {
  EventName: 's3:ObjectCreated:Put',
  Key: `${BUCKET}/${OBJECT_KEY}`,
  Records: [
    {
      eventVersion: '2.0',
      eventSource: 'minio:s3',
      awsRegion: '',
      eventTime: '2026-12-05T01:48:09.201Z',
      eventName: 's3:ObjectCreated:Put',
      userIdentity: { principalId: 'hazardscope-uploader' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'Config',
        bucket: { name: BUCKET, ownerIdentity: { principalId: 'minioadmin' }, arn: `arn:aws:s3:::${BUCKET}` },
        object: {
          key: OBJECT_KEY,
          size: 11_482_913,
          eTag: '6f1ed002ab5595859014ebf0951522d9',
          contentType: 'image/jpeg',
          userMetadata: { 'X-Amz-Meta-Filename': 'DJI_20261205093214_0042_W.JPG', 'content-type': 'image/jpeg' },
          sequencer: '187E3A9C2B1D4F60',
        },
      },
    },
  ],
};

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
        bodyExample: S3_EVENT_EXAMPLE,
        responses: {
          200: {
            description: 'What happened to each record',
            schema: z.object({ results: z.array(Outcome) }),
            example: {
              results: [
                { objectKey: OBJECT_KEY, outcome: 'registered', imageId: '4e8a2c6b-0d1f-4b3a-9e5c-7f2a4c6e8b01' },
              ],
            },
          },
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
        bodyExample: { prefix: `flights/${FLIGHT_ID}/` },
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
            example: { listed: 214, registered: 3, requeued: 1, ignored: 0, rejected: 1 },
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
