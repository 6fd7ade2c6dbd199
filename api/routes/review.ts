import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { route } from '../contract.js';
import { Cursor, decodeCursor, encodeCursor, Limit, problemResponses, Timestamp, Uuid } from '../schemas/common.js';
import { Case, Detection, Image, Review, ReviewDecision } from '../schemas/resources.js';
import { toCase, toDetection, toImage, toReview } from '../serialize.js';

const ALL_ROLES = ['operator', 'reviewer', 'regulator', 'admin'] as const;
const QueueCursor = z.object({ score: z.number(), id: Uuid });
const CaseCursor = z.object({ createdAt: Timestamp, id: Uuid });

export function reviewRoutes(services: Services) {
  return [
    route(
      {
        method: 'get',
        path: '/images/:imageId',
        summary: 'Image metadata with its detections',
        tags: ['images'],
        roles: ALL_ROLES,
        params: z.object({ imageId: Uuid }).strict(),
        responses: { 200: { description: 'Image', schema: z.object({ image: Image, detections: z.array(Detection) }) }, 404: { description: 'No such image' }, ...problemResponses },
      },
      async ({ params }) => {
        const { image, detections } = await services.images.get(params.imageId);
        return { status: 200, body: { image: toImage(image), detections: detections.map(toDetection) } };
      },
    ),
    route(
      {
        method: 'get',
        path: '/images/:imageId/original',
        summary: 'A short-lived presigned URL for the original photo, exactly as uploaded',
        tags: ['images'],
        roles: ALL_ROLES,
        params: z.object({ imageId: Uuid }).strict(),
        responses: { 200: { description: 'URL', schema: z.object({ url: z.url(), expiresAt: Timestamp }) }, 404: { description: 'No such image' }, ...problemResponses },
      },
      async ({ params }) => ({ status: 200, body: await services.images.originalUrl(params.imageId) }),
    ),
    route(
      {
        method: 'get',
        path: '/images/:imageId/preview',
        summary: 'A downscaled JPEG with detection boxes drawn',
        tags: ['images'],
        roles: ALL_ROLES,
        params: z.object({ imageId: Uuid }).strict(),
        query: z.object({ all: z.enum(['true', 'false']).default('false') }).strict(),
        responses: { 200: { description: 'JPEG', contentType: 'image/jpeg' }, 404: { description: 'No such image or not processed' }, ...problemResponses },
      },
      async ({ params, query }) => ({
        status: 200,
        binary: { data: await services.images.preview(params.imageId, { includeBelowThreshold: query.all === 'true' }), contentType: 'image/jpeg' },
        headers: { 'Cache-Control': 'private, max-age=60' },
      }),
    ),
    route(
      {
        method: 'get',
        path: '/review/queue',
        summary: 'Findings awaiting a decision, each by its best view, highest score first; deciding the view decides the finding',
        tags: ['review'],
        roles: ['reviewer', 'admin'],
        query: z.object({ flightId: Uuid.optional(), limit: Limit, cursor: Cursor.optional() }).strict(),
        responses: {
          200: {
            description: 'A page of the queue',
            schema: z.object({
              items: z.array(
                z.object({
                  detection: Detection,
                  flightId: Uuid,
                  imageFilename: z.string().nullable(),
                  finding: z.object({ id: Uuid, viewCount: z.number().int(), siteId: Uuid.nullable(), recurringOf: Uuid.nullable(), position: z.object({ lat: z.number(), lon: z.number(), errorM: z.number() }).nullable() }),
                }),
              ),
              nextCursor: z.string().nullable(),
            }),
          },
          ...problemResponses,
        },
      },
      async ({ query }) => {
        const page = await services.review.queue({ flightId: query.flightId, limit: query.limit, after: decodeCursor(query.cursor, QueueCursor) });
        return {
          status: 200,
          body: {
            items: page.items.map((i) => ({
              detection: toDetection(i.detection),
              flightId: i.flightId,
              imageFilename: i.imageFilename,
              finding: {
                id: i.finding.id,
                viewCount: i.finding.viewCount,
                siteId: i.finding.siteId,
                recurringOf: i.finding.recurringOf,
                position: i.finding.lat !== null && i.finding.lon !== null ? { lat: i.finding.lat, lon: i.finding.lon, errorM: i.finding.errorM ?? 0 } : null,
              },
            })),
            nextCursor: page.next ? encodeCursor(page.next) : null,
          },
        };
      },
    ),
    route(
      {
        method: 'post',
        path: '/detections/:detectionId/review',
        summary: 'Confirm, reject or relabel a flagged detection (one decision each; repeating it is a no-op)',
        tags: ['review'],
        roles: ['reviewer'],
        params: z.object({ detectionId: Uuid }).strict(),
        body: ReviewDecision,
        responses: {
          201: { description: 'Decision recorded', schema: z.object({ review: Review, case: Case.nullable() }) },
          200: { description: 'The same decision was already recorded', schema: z.object({ review: Review, case: Case.nullable() }) },
          404: { description: 'No such detection' },
          409: { description: 'Already decided differently, or not flagged' },
          422: { description: 'Unknown class for relabel' },
          ...problemResponses,
        },
      },
      async ({ params, body, principal }) => {
        const result = await services.review.decide(params.detectionId, principal!, body);
        return { status: result.alreadyRecorded ? 200 : 201, body: { review: toReview(result.review), case: result.caseRow ? toCase(result.caseRow) : null } };
      },
    ),
    route(
      {
        method: 'get',
        path: '/cases',
        summary: 'Enforcement cases, newest first, with filters',
        tags: ['cases'],
        roles: ['regulator', 'reviewer', 'admin'],
        query: z
          .object({
            status: z.enum(['open', 'closed']).optional(),
            hazardCode: z.string().min(1).max(100).optional(),
            flightId: Uuid.optional(),
            from: Timestamp.optional(),
            to: Timestamp.optional(),
            limit: Limit,
            cursor: Cursor.optional(),
          })
          .strict(),
        responses: { 200: { description: 'A page of cases', schema: z.object({ items: z.array(Case), nextCursor: z.string().nullable() }) }, ...problemResponses },
      },
      async ({ query }) => {
        const before = decodeCursor(query.cursor, CaseCursor);
        const page = await services.cases.list({
          status: query.status,
          hazardCode: query.hazardCode,
          flightId: query.flightId,
          from: query.from ? new Date(query.from) : undefined,
          to: query.to ? new Date(query.to) : undefined,
          limit: query.limit,
          before: before && { createdAt: new Date(before.createdAt), id: before.id },
        });
        return { status: 200, body: { items: page.items.map(toCase), nextCursor: page.next ? encodeCursor({ createdAt: page.next.createdAt.toISOString(), id: page.next.id }) : null } };
      },
    ),
    route(
      {
        method: 'get',
        path: '/cases/:caseId',
        summary: 'A case with its evidence: image sha256, model version, reviewer, times',
        tags: ['cases'],
        roles: ['regulator', 'reviewer', 'admin'],
        params: z.object({ caseId: Uuid }).strict(),
        responses: { 200: { description: 'Case', schema: Case }, 404: { description: 'No such case' }, ...problemResponses },
      },
      async ({ params }) => ({ status: 200, body: toCase(await services.cases.get(params.caseId)) }),
    ),
  ];
}
