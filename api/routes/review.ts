import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import type { DecisionOutcome } from '../../pipeline/services/review.js';
import { route } from '../contract.js';
import { Cursor, decodeCursor, encodeCursor, Limit, problemResponses, Timestamp, Uuid } from '../schemas/common.js';
import {
  DECISION_BODY_EXAMPLE,
  DECISION_EXAMPLE,
  IMAGE_WITH_DETECTIONS_EXAMPLE,
  LEASE_EXAMPLE,
  MISSED_HAZARD_BODY_EXAMPLE,
  MISSED_HAZARD_EXAMPLE,
  ORIGINAL_URL_EXAMPLE,
  REVIEW_QUEUE_EXAMPLE,
} from '../schemas/examples.js';
import {
  CaseRef,
  Detection,
  Image,
  Lease,
  MissedHazard,
  NewMissedHazard,
  Position,
  RegionPrefix,
  Review,
  ReviewDecision,
} from '../schemas/resources.js';
import { toCaseRef, toDetection, toImage, toMissedHazard, toQueueItem, toReview } from '../serialize.js';

const ALL_ROLES = ['operator', 'reviewer', 'regulator', 'admin'] as const;
const QueueCursor = z.object({ score: z.number(), id: Uuid });
const MissedCursor = z.object({ createdAt: Timestamp, id: Uuid });

const DecisionResult = z.object({
  review: Review,
  findingId: Uuid,
  findingStatus: z.string(),
  case: CaseRef.nullable().describe('The case the finding went into, for confirm and relabel'),
  joinedCase: z.boolean().describe("True when it joined the site's case for the flight instead of opening one"),
});

const decisionResponses = {
  201: { description: 'Decision recorded', schema: DecisionResult, example: DECISION_EXAMPLE },
  200: {
    description: 'The same decision by the same reviewer was already recorded',
    schema: DecisionResult,
    example: DECISION_EXAMPLE,
  },
  403: {
    ...problemResponses[403],
    description: 'You flew this flight or uploaded its photos (separation of duties), or your role may not review',
  },
  404: { description: 'No such finding in your organisation and region' },
  409: { description: 'Already decided differently, held open by another reviewer, or not the best view' },
  422: { description: 'Unknown class for relabel, or a rejection without a reason' },
} as const;

const toDecision = (o: DecisionOutcome) => ({
  review: toReview(o.review),
  findingId: o.finding.id,
  findingStatus: o.finding.status,
  case: o.caseRow ? toCaseRef(o.caseRow) : null,
  joinedCase: o.joinedCase,
});

export function reviewRoutes(services: Services) {
  return [
    route(
      {
        method: 'get',
        path: '/images/:imageId',
        operationId: 'getImage',
        summary: 'Image metadata with its detections',
        tags: ['images'],
        roles: ALL_ROLES,
        params: z.object({ imageId: Uuid }).strict(),
        responses: {
          200: {
            description: 'Image',
            schema: z.object({
              image: Image,
              detections: z.array(Detection),
              duplicateOf: z
                .object({ imageId: Uuid, flightId: Uuid, findingIds: z.array(Uuid) })
                .nullable()
                .describe(
                  'For a duplicate: the photo of the same bytes processed in another flight, and the findings it shows (its review stands for this photo)',
                ),
            }),
            example: IMAGE_WITH_DETECTIONS_EXAMPLE,
          },
          404: { description: 'No such image' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        const { image, detections } = await services.images.get(principal, params.imageId);
        return {
          status: 200,
          body: {
            image: toImage(image),
            detections: detections.map(toDetection),
            duplicateOf: await services.ingestRules.duplicateLink(principal, image),
          },
        };
      },
    ),
    route(
      {
        method: 'get',
        path: '/images/:imageId/original',
        operationId: 'getImageOriginal',
        summary:
          'A short-lived presigned URL for the original photo, exactly as uploaded (each one given out is audited)',
        tags: ['images'],
        roles: ALL_ROLES,
        params: z.object({ imageId: Uuid }).strict(),
        responses: {
          200: {
            description: 'URL',
            schema: z.object({ url: z.url(), expiresAt: Timestamp }),
            example: ORIGINAL_URL_EXAMPLE,
          },
          404: { description: 'No such image' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => ({
        status: 200,
        body: await services.images.originalUrl(principal, params.imageId),
      }),
    ),
    route(
      {
        method: 'get',
        path: '/images/:imageId/preview',
        operationId: 'getImagePreview',
        summary: 'A downscaled JPEG with detection boxes drawn',
        tags: ['images'],
        roles: ALL_ROLES,
        params: z.object({ imageId: Uuid }).strict(),
        query: z
          .object({
            all: z.enum(['true', 'false']).default('false').describe('Also draw detections below their threshold'),
            boxes: z
              .enum(['true', 'false'])
              .default('true')
              .describe('false: the photo alone (the workstation draws its own boxes)'),
          })
          .strict(),
        responses: {
          200: { description: 'JPEG', contentType: 'image/jpeg' },
          404: { description: 'No such image or not processed' },
          ...problemResponses,
        },
      },
      async ({ params, query, principal }) => ({
        status: 200,
        binary: {
          data: await services.images.preview(principal, params.imageId, {
            includeBelowThreshold: query.all === 'true',
            boxes: query.boxes === 'true',
          }),
          contentType: 'image/jpeg',
        },
        headers: { 'Cache-Control': 'private, max-age=60' },
      }),
    ),
    route(
      {
        method: 'get',
        path: '/detections/:detectionId/crop',
        operationId: 'getDetectionCrop',
        summary: 'The detection cut out of its photo with some surroundings and its box drawn (at most 640 px a side)',
        tags: ['images'],
        roles: ALL_ROLES,
        params: z.object({ detectionId: Uuid }).strict(),
        responses: {
          200: { description: 'JPEG', contentType: 'image/jpeg' },
          404: { description: 'No such detection' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => ({
        status: 200,
        binary: { data: await services.images.crop(principal, params.detectionId), contentType: 'image/jpeg' },
        headers: { 'Cache-Control': 'private, max-age=60' },
      }),
    ),
    route(
      {
        method: 'get',
        path: '/review/queue',
        operationId: 'getReviewQueue',
        summary:
          'Findings awaiting a decision in your organisation and region, highest score first, with counts; findings of flights you flew are left out',
        tags: ['review'],
        roles: ['reviewer', 'admin'],
        query: z
          .object({
            flightId: Uuid.optional(),
            siteId: Uuid.optional(),
            hazardCode: z.string().min(1).max(100).optional(),
            severity: z.enum(['major', 'general']).optional(),
            minScore: z.coerce.number().min(0).max(1).optional(),
            region: RegionPrefix.optional(),
            limit: Limit,
            cursor: Cursor.optional(),
          })
          .strict(),
        responses: {
          200: {
            description: 'A page of the queue',
            schema: z.object({
              items: z.array(
                z.object({
                  finding: z.object({
                    id: Uuid,
                    flightId: Uuid,
                    className: z.string(),
                    hazardCode: z.string(),
                    severity: z.string(),
                    bestScore: z.number(),
                    viewCount: z.number().int(),
                    siteId: Uuid.nullable(),
                    siteName: z.string().nullable(),
                    regionCode: z.string(),
                    recurringOf: Uuid.nullable(),
                    position: Position.nullable(),
                    createdAt: Timestamp,
                  }),
                  detection: Detection.describe('The best view, which the decision is made on'),
                  image: z.object({
                    id: Uuid,
                    filename: z.string().nullable(),
                    width: z.number().int().nullable(),
                    height: z.number().int().nullable(),
                  }),
                  lease: Lease.nullable(),
                }),
              ),
              counts: z.object({
                total: z.number().int().describe('Findings matching every filter'),
                byHazard: z
                  .array(z.object({ hazardCode: z.string(), className: z.string(), count: z.number().int() }))
                  .describe('Under every filter but the hazard'),
                bySeverity: z
                  .object({ major: z.number().int(), general: z.number().int() })
                  .describe('Under every filter but the severity'),
              }),
              nextCursor: z.string().nullable(),
            }),
            example: REVIEW_QUEUE_EXAMPLE,
          },
          ...problemResponses,
        },
      },
      async ({ query, principal }) => {
        const page = await services.review.queue(principal, {
          ...query,
          after: decodeCursor(query.cursor, QueueCursor),
        });
        return {
          status: 200,
          body: {
            items: page.items.map(toQueueItem),
            counts: page.counts,
            nextCursor: page.next ? encodeCursor(page.next) : null,
          },
        };
      },
    ),
    route(
      {
        method: 'post',
        path: '/findings/:findingId/lease',
        operationId: 'takeFindingLease',
        summary:
          'Open a finding for review: hold it for REVIEW_LEASE_SECONDS (renew by calling again) so no one else decides it meanwhile',
        tags: ['review'],
        roles: ['reviewer'],
        params: z.object({ findingId: Uuid }).strict(),
        responses: {
          200: {
            description: 'You hold it until expiresAt',
            schema: Lease.extend({ findingId: Uuid }),
            example: LEASE_EXAMPLE,
          },
          ...problemResponses,
          403: {
            ...problemResponses[403],
            description: 'You flew this flight or uploaded its photos, or your role may not review',
          },
          404: { description: 'No such finding' },
          409: { description: 'Another reviewer holds it (context names them and until when), or it was decided' },
        },
      },
      async ({ params, principal }) => {
        const lease = await services.review.lease(principal, params.findingId);
        return {
          status: 200,
          body: {
            findingId: lease.findingId,
            holder: lease.holder,
            expiresAt: lease.expiresAt.toISOString(),
            mine: lease.mine,
          },
        };
      },
    ),
    route(
      {
        method: 'delete',
        path: '/findings/:findingId/lease',
        operationId: 'releaseFindingLease',
        summary: 'Give a finding back to the queue (only its holder can)',
        tags: ['review'],
        roles: ['reviewer'],
        params: z.object({ findingId: Uuid }).strict(),
        responses: {
          204: { description: 'Released (or you did not hold it)' },
          404: { description: 'No such finding' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        await services.review.release(principal, params.findingId);
        return { status: 204 };
      },
    ),
    route(
      {
        method: 'post',
        path: '/findings/:findingId/decision',
        operationId: 'decideFinding',
        summary:
          'Confirm, reject (with a reason) or relabel a finding; confirm and relabel put it into a case against its site',
        tags: ['review'],
        roles: ['reviewer'],
        params: z.object({ findingId: Uuid }).strict(),
        body: ReviewDecision,
        bodyExample: DECISION_BODY_EXAMPLE,
        responses: { ...problemResponses, ...decisionResponses },
      },
      async ({ params, body, principal }) => {
        const outcome = await services.review.decide(principal, params.findingId, body);
        return { status: outcome.alreadyRecorded ? 200 : 201, body: toDecision(outcome) };
      },
    ),
    route(
      {
        method: 'post',
        path: '/detections/:detectionId/review',
        operationId: 'reviewDetection',
        summary: 'Decide the finding whose best view this detection is (the same as POST /findings/{id}/decision)',
        tags: ['review'],
        roles: ['reviewer'],
        params: z.object({ detectionId: Uuid }).strict(),
        body: ReviewDecision,
        bodyExample: DECISION_BODY_EXAMPLE,
        responses: { ...problemResponses, ...decisionResponses },
      },
      async ({ params, body, principal }) => {
        const outcome = await services.review.decideDetection(principal, params.detectionId, body);
        return { status: outcome.alreadyRecorded ? 200 : 201, body: toDecision(outcome) };
      },
    ),
    route(
      {
        method: 'post',
        path: '/images/:imageId/missed-hazards',
        operationId: 'createMissedHazard',
        summary: 'Mark a hazard the model did not find: a box and its class on the photo, kept for retraining',
        tags: ['review'],
        roles: ['reviewer'],
        params: z.object({ imageId: Uuid }).strict(),
        body: NewMissedHazard,
        bodyExample: MISSED_HAZARD_BODY_EXAMPLE,
        responses: {
          201: { description: 'Recorded', schema: MissedHazard, example: MISSED_HAZARD_EXAMPLE },
          404: { description: 'No such image' },
          409: { description: 'Not processed yet' },
          422: { description: 'Unknown class or a box outside the photo' },
          ...problemResponses,
        },
      },
      async ({ params, body, principal }) => {
        return { status: 201, body: toMissedHazard(await services.review.markMissed(principal, params.imageId, body)) };
      },
    ),
    route(
      {
        method: 'get',
        path: '/missed-hazards',
        operationId: 'listMissedHazards',
        summary: "Hazards reviewers marked that the model missed, oldest first: your organisation's training labels",
        tags: ['review'],
        roles: ['reviewer', 'admin'],
        query: z
          .object({ flightId: Uuid.optional(), imageId: Uuid.optional(), limit: Limit, cursor: Cursor.optional() })
          .strict(),
        responses: {
          200: {
            description: 'A page of marks',
            schema: z.object({ items: z.array(MissedHazard), nextCursor: z.string().nullable() }),
            example: { items: [MISSED_HAZARD_EXAMPLE], nextCursor: null },
          },
          ...problemResponses,
        },
      },
      async ({ query, principal }) => {
        const after = decodeCursor(query.cursor, MissedCursor);
        const rows = await services.review.listMissed(principal, {
          flightId: query.flightId,
          imageId: query.imageId,
          limit: query.limit + 1,
          after: after && { createdAt: new Date(after.createdAt), id: after.id },
        });
        const items = rows.slice(0, query.limit);
        const last = items.at(-1);
        return {
          status: 200,
          body: {
            items: items.map(toMissedHazard),
            nextCursor:
              rows.length > query.limit && last
                ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id })
                : null,
          },
        };
      },
    ),
  ];
}
