import { z } from 'zod';
import { DECISIONS, DETECTION_STATES } from '../../pipeline/domain/review.js';
import { IMAGE_STATUSES } from '../../pipeline/domain/images.js';
import { Sha256, Timestamp, Uuid } from './common.js';

export const Flight = z.object({
  id: Uuid,
  name: z.string(),
  siteName: z.string().nullable(),
  notes: z.string().nullable(),
  status: z.enum(['open', 'completed']),
  createdAt: Timestamp,
  completedAt: Timestamp.nullable(),
});

export const CreateFlight = z
  .object({
    name: z.string().trim().min(1).max(200),
    siteName: z.string().trim().min(1).max(200).optional(),
    notes: z.string().max(4000).optional(),
  })
  .strict();

export const FlightStatus = z.object({
  flight: Flight,
  images: z.object({ ...Object.fromEntries(IMAGE_STATUSES.map((s) => [s, z.number().int()])), total: z.number().int() }),
  done: z.boolean(),
  failures: z.array(z.object({ imageId: Uuid, filename: z.string().nullable(), reason: z.string().nullable() })),
  detections: z.array(z.object({ className: z.string(), state: z.string(), count: z.number().int() })),
});

export const Capture = z.record(z.string(), z.unknown());

export const Image = z.object({
  id: Uuid,
  flightId: Uuid,
  objectKey: z.string(),
  sha256: Sha256.nullable(),
  sizeBytes: z.number().int().nullable(),
  originalFilename: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  capture: Capture.nullable(),
  footprint: z.array(z.object({ lat: z.number(), lon: z.number() })).nullable().describe('Ground footprint, a closed WGS-84 ring'),
  geoReason: z.string().nullable().describe('Why the photo could not be placed on the ground'),
  status: z.enum(IMAGE_STATUSES),
  failureReason: z.string().nullable(),
  registeredVia: z.string(),
  createdAt: Timestamp,
  processedAt: Timestamp.nullable(),
});

export const Detection = z.object({
  id: Uuid,
  imageId: Uuid,
  className: z.string(),
  hazardCode: z.string(),
  severity: z.enum(['major', 'general']),
  score: z.number(),
  threshold: z.number(),
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]).describe('x1, y1, x2, y2 in original-image pixels'),
  state: z.enum(DETECTION_STATES),
  ground: z
    .object({
      lat: z.number(),
      lon: z.number(),
      errorM: z.number().describe('horizontal error, 1 sigma, metres'),
      polygon: z.array(z.object({ lat: z.number(), lon: z.number() })).nullable().describe('The ground under the box, a closed ring'),
    })
    .nullable()
    .describe('Where the detection lies on the ground (WGS-84), when its photo could be placed'),
  siteId: Uuid.nullable().describe('The site whose outline contains the ground point; null when unattributed'),
  model: z.object({ name: z.string(), version: z.string(), sha256: Sha256 }),
  createdAt: Timestamp,
});

export const UploadRequest = z
  .object({
    files: z
      .array(
        z
          .object({
            filename: z.string().min(1).max(255),
            sha256: Sha256,
            sizeBytes: z.number().int().positive(),
            contentType: z.literal('image/jpeg'),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();

export const UploadTicket = z.discriminatedUnion('status', [
  z.object({ filename: z.string(), status: z.literal('upload'), objectKey: z.string(), method: z.literal('PUT'), url: z.url(), headers: z.record(z.string(), z.string()), expiresAt: Timestamp }),
  z.object({ filename: z.string(), status: z.literal('already-uploaded'), objectKey: z.string() }),
]);

export const ReviewDecision = z
  .object({
    decision: z.enum(DECISIONS),
    newClass: z.string().min(1).max(100).optional(),
    note: z.string().max(2000).optional(),
  })
  .strict();

export const Review = z.object({
  id: Uuid,
  detectionId: Uuid,
  reviewer: z.string(),
  decision: z.enum(DECISIONS),
  newClass: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: Timestamp,
});

export const Case = z.object({
  id: Uuid,
  detectionId: Uuid,
  flightId: Uuid,
  imageId: Uuid,
  className: z.string(),
  hazardCode: z.string(),
  severity: z.string(),
  status: z.enum(['open', 'closed']),
  createdAt: Timestamp,
  evidence: z.record(z.string(), z.unknown()),
});

/** MinIO's bucket notification body (webhook target). Extra fields MinIO adds are allowed. */
export const S3Event = z.looseObject({
  EventName: z.string().optional(),
  Key: z.string().optional(),
  Records: z
    .array(
      z.looseObject({
        eventName: z.string(),
        s3: z.looseObject({
          bucket: z.looseObject({ name: z.string() }),
          object: z.looseObject({ key: z.string().min(1), size: z.number().optional(), eTag: z.string().optional(), userMetadata: z.record(z.string(), z.string()).optional() }),
        }),
      }),
    )
    .min(1),
});

export const Finding = z.object({
  id: Uuid,
  flightId: Uuid,
  className: z.string(),
  hazardCode: z.string(),
  severity: z.string(),
  position: z.object({ lat: z.number(), lon: z.number(), errorM: z.number() }).nullable().describe('WGS-84; null when its photos could not be placed on the ground'),
  siteId: Uuid.nullable(),
  recurringOf: Uuid.nullable().describe('The earlier finding of the same hazard at the same site, within the recurrence window'),
  bestScore: z.number(),
  viewCount: z.number().int(),
  views: z.array(z.object({ rank: z.number().int(), merit: z.number(), detection: Detection })).describe('Every photo showing it, best evidence first'),
  createdAt: Timestamp,
});
