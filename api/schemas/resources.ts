import { z } from 'zod';
import { CASE_EVENT_KINDS, CASE_STATUSES, DISMISSAL_REASONS } from '../../pipeline/domain/cases.js';
import { DECISIONS, DETECTION_STATES, FINDING_STATUSES, REJECT_REASONS } from '../../pipeline/domain/review.js';
import { IMAGE_STATUSES } from '../../pipeline/domain/images.js';
import { FLAG_REASONS, HOLD_DECISIONS } from '../../pipeline/domain/ingest-rules.js';
import { FileName, Sha256, Timestamp, Uuid } from './common.js';

/** A GB/T 2260 region code or prefix: province "41", city "4101", county "410105". */
export const RegionPrefix = z.string().regex(/^\d{2}(\d{2}(\d{2})?)?$/, 'a 2-, 4- or 6-digit region code prefix');

export const Flight = z.object({
  id: Uuid,
  organisationId: Uuid,
  regionCode: z.string().describe('Where the flight was flown: a region code or prefix'),
  name: z.string(),
  siteName: z.string().nullable(),
  operator: z
    .string()
    .nullable()
    .describe('The person who created the flight (null for flights made before people had names)'),
  notes: z.string().nullable(),
  status: z.enum(['open', 'completed']),
  createdAt: Timestamp,
  completedAt: Timestamp.nullable(),
});

/** A flight as other objects name it: people know flights by name, date, operator and site, never by id. */
const FlightRef = Flight.pick({ id: true, name: true, siteName: true, operator: true, createdAt: true });

export const CreateFlight = z
  .object({
    name: z.string().trim().min(1).max(200),
    siteName: z.string().trim().min(1).max(200).optional(),
    notes: z.string().max(4000).optional(),
    regionCode: RegionPrefix.optional().describe(
      'Where it is flown; your own region by default, and it must lie within it',
    ),
  })
  .strict();

/** An object a presigned upload left that was not the photo asked for: deleted, never an image. */
export const UploadRejection = z.object({
  objectKey: z.string(),
  sha256: z.string().nullable().describe('The sha256 the upload was for (named by the key)'),
  filename: z.string().nullable().describe('The name given when the upload URL was asked for'),
  sizeBytes: z.number().int().describe('How many bytes had arrived'),
  reason: z
    .string()
    .describe('A different body (its hash and size), or an upload cut short when the flight was completed'),
  rejectedAt: Timestamp,
});

/** A photo the ingest rules flagged (docs/ingest.md). */
const FlaggedImage = z.object({
  imageId: Uuid,
  filename: z.string().nullable(),
  status: z.enum(IMAGE_STATUSES),
  reason: z
    .enum(['outside_region', 'no_gps', 'duplicate'])
    .describe(
      'outside_region: taken outside the bureau’s region (held until a person decides); no_gps: no position to tell, processed as usual; duplicate: the same bytes were processed in another flight, and this photo links to them',
    ),
  position: z.object({ lat: z.number(), lon: z.number() }).nullable().describe('Where the photo says it was taken'),
  hold: z
    .object({
      decision: z.enum(HOLD_DECISIONS).nullable().describe('null: nobody has decided yet'),
      decidedAt: Timestamp.nullable(),
      note: z.string().nullable(),
    })
    .nullable(),
  actions: z
    .array(z.enum(HOLD_DECISIONS))
    .describe('Decisions open now, by POST /images/{imageId}/hold (process: administrators only)'),
  duplicateOf: z.object({ imageId: Uuid, flightId: Uuid.nullable() }).nullable(),
});

export const FlightStatus = z.object({
  flight: Flight,
  images: z.object({
    ...Object.fromEntries(IMAGE_STATUSES.map((s) => [s, z.number().int()])),
    total: z.number().int(),
  }),
  done: z.boolean(),
  rejectedUploads: z
    .array(UploadRejection)
    .describe('Presigned uploads whose bytes were not the photo asked for; upload the photo again to replace one'),
  failures: z.array(
    z.object({
      imageId: Uuid,
      filename: z.string().nullable(),
      reason: z.string().nullable(),
      discardedAt: Timestamp.nullable().describe('When a person removed it: it stays failed and "retry all" skips it'),
    }),
  ),
  detections: z.array(
    z.object({
      className: z.string(),
      state: z.string(),
      count: z.number().int(),
      live: z
        .boolean()
        .describe(
          'Whether the class is reviewed in the flight’s organisation; flagged detections of a class that is not live are stored but make no findings (GET /models says why)',
        ),
    }),
  ),
  flaggedImages: z
    .array(FlaggedImage)
    .describe(
      'Photos the ingest rules flagged: held outside the region, without a position, or copies of photos reviewed in another flight',
    ),
  awaitingDecision: z.number().int().describe('Photos held outside the region that nobody has decided on yet'),
});

const Capture = z.record(z.string(), z.unknown());

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
  footprint: z
    .array(z.object({ lat: z.number(), lon: z.number() }))
    .nullable()
    .describe('Ground footprint, a closed WGS-84 ring'),
  geoReason: z.string().nullable().describe('Why the photo could not be placed on the ground'),
  status: z.enum(IMAGE_STATUSES),
  failureReason: z.string().nullable(),
  flagReason: z
    .enum(FLAG_REASONS)
    .nullable()
    .describe('Why the ingest rules flagged it: taken outside the bureau’s region, or without a position'),
  hold: z
    .object({
      decision: z.enum(HOLD_DECISIONS).nullable(),
      decidedAt: Timestamp.nullable(),
      note: z.string().nullable(),
    })
    .nullable()
    .describe('For a photo taken outside the region: what a person decided (POST /images/{imageId}/hold)'),
  duplicateOf: Uuid.nullable().describe(
    'The photo of the same bytes processed in another flight; its detections and findings stand for this one',
  ),
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
      polygon: z
        .array(z.object({ lat: z.number(), lon: z.number() }))
        .nullable()
        .describe('The ground under the box, a closed ring'),
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
            filename: FileName,
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
  z.object({
    filename: z.string(),
    status: z.literal('upload'),
    objectKey: z.string(),
    method: z.literal('PUT'),
    url: z.url(),
    headers: z.record(z.string(), z.string()),
    expiresAt: Timestamp,
  }),
  z.object({ filename: z.string(), status: z.literal('already-uploaded'), objectKey: z.string() }),
]);

export const ReviewDecision = z
  .object({
    decision: z.enum(DECISIONS),
    newClass: z.string().min(1).max(100).optional().describe('The right class, for relabel'),
    reason: z.enum(REJECT_REASONS).optional().describe('Why, for reject ("other" needs a note)'),
    note: z.string().max(2000).optional(),
  })
  .strict();

export const Review = z.object({
  id: Uuid,
  detectionId: Uuid,
  findingId: Uuid.nullable(),
  reviewer: z.string(),
  decision: z.enum(DECISIONS),
  newClass: z.string().nullable(),
  reason: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: Timestamp,
});

export const Lease = z
  .object({ holder: z.string(), expiresAt: Timestamp, mine: z.boolean() })
  .describe('Who has the finding open for review');

export const Position = z.object({ lat: z.number(), lon: z.number(), errorM: z.number() });

const SiteSummary = z.object({ id: Uuid, name: z.string(), creditCode: z.string(), regionCode: z.string() });

export const Case = z.object({
  id: Uuid,
  reference: z.string().describe('The number people quote, HS-000123'),
  status: z.enum(CASE_STATUSES),
  overdue: z.boolean().describe('Rectification is due and its deadline has passed'),
  severity: z.enum(['major', 'general']).describe('The gravest of its findings'),
  hazardCodes: z.array(z.string()),
  findingsCount: z.number().int(),
  site: SiteSummary.nullable().describe('The liable site; null until one is assigned'),
  regionCode: z.string(),
  flightId: Uuid,
  position: z.object({ lat: z.number(), lon: z.number() }).nullable(),
  dueAt: Timestamp.nullable().describe('Rectification deadline'),
  dismissalReason: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const CaseRef = z.object({
  id: Uuid,
  reference: z.string(),
  status: z.enum(CASE_STATUSES),
  siteId: Uuid.nullable(),
  findingsCount: z.number().int(),
  hazardCodes: z.array(z.string()),
});

export const CaseEvent = z.object({
  id: z.number().int(),
  kind: z.enum(CASE_EVENT_KINDS),
  fromStatus: z.string().nullable(),
  toStatus: z.string().nullable(),
  actor: z.object({ name: z.string(), role: z.string() }),
  note: z.string().nullable(),
  reason: z.string().nullable(),
  dueAt: Timestamp.nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  at: Timestamp,
});

export const Attachment = z.object({
  id: Uuid,
  filename: z.string(),
  contentType: z.string(),
  sha256: Sha256,
  sizeBytes: z.number().int(),
  uploadedBy: z.string(),
  createdAt: Timestamp,
});

export const CaseTransition = z
  .object({
    to: z.enum(CASE_STATUSES),
    note: z.string().max(4000).optional(),
    dueAt: Timestamp.optional().describe('The rectification deadline, when moving to rectification_due'),
    reason: z.enum(DISMISSAL_REASONS).optional().describe('Why, when dismissing'),
    attachmentIds: z.array(Uuid).max(50).optional().describe("The enterprise's evidence, when moving to rectified"),
  })
  .strict();

export const MissedHazard = z.object({
  id: Uuid,
  imageId: Uuid,
  flightId: Uuid,
  findingId: Uuid.nullable(),
  imageSha256: Sha256.nullable(),
  imageSize: z.object({ width: z.number().int(), height: z.number().int() }).nullable(),
  className: z.string(),
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]).describe('x1, y1, x2, y2 in original-image pixels'),
  note: z.string().nullable(),
  reviewer: z.string(),
  createdAt: Timestamp,
});

export const NewMissedHazard = z
  .object({
    className: z.string().min(1).max(100),
    box: z.tuple([z.number(), z.number(), z.number(), z.number()]).describe('x1, y1, x2, y2 in original-image pixels'),
    note: z.string().max(2000).optional(),
    findingId: Uuid.optional().describe('The finding the reviewer had open when they saw it'),
  })
  .strict();

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
          object: z.looseObject({
            key: z.string().min(1),
            size: z.number().optional(),
            eTag: z.string().optional(),
            userMetadata: z.record(z.string(), z.string()).optional(),
          }),
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
  position: Position.nullable().describe('WGS-84; null when its photos could not be placed on the ground'),
  siteId: Uuid.nullable(),
  regionCode: z.string(),
  status: z.enum(FINDING_STATUSES),
  decidedAt: Timestamp.nullable(),
  lease: Lease.nullable(),
  recurringOf: Uuid.nullable().describe(
    'The sighting of the same hazard at the same place just before this one, by when the photos were taken, within the recurrence window',
  ),
  capturedAt: Timestamp.nullable().describe(
    'When its photos were taken (the earliest; EXIF time, else when the photo was registered)',
  ),
  recurrences: z
    .array(z.object({ id: Uuid, flightId: Uuid, capturedAt: Timestamp.nullable(), status: z.enum(FINDING_STATUSES) }))
    .optional()
    .describe('Later sightings that point to this one as their recurringOf (on the finding routes)'),
  bestScore: z.number(),
  viewCount: z.number().int(),
  views: z
    .array(z.object({ rank: z.number().int(), merit: z.number(), detection: Detection }))
    .describe('Every photo showing it, best evidence first'),
  createdAt: Timestamp,
});

export const CaseDetail = Case.extend({
  next: z.array(z.enum(CASE_STATUSES)).describe('The statuses it can move to from here'),
  siteDetail: z.record(z.string(), z.unknown()).nullable().describe('The liable site in full'),
  flight: FlightRef.nullable().describe('The flight that found it'),
  findings: z.array(
    z.object({
      findingId: Uuid.nullable(),
      detectionId: Uuid,
      className: z.string(),
      hazardCode: z.string(),
      severity: z.string(),
      addedAt: Timestamp,
      evidence: z.record(z.string(), z.unknown()).describe('What the reviewer decided on, frozen at the decision'),
      finding: Finding.nullable(),
    }),
  ),
  reviews: z.array(Review),
  events: z.array(CaseEvent),
  attachments: z.array(Attachment),
});

export const CaseSummary = z.object({
  total: z.number().int(),
  overdue: z.number().int(),
  byStatus: z.record(z.string(), z.number().int()),
  byHazard: z
    .record(z.string(), z.number().int())
    .describe('Cases holding each hazard (a case with two hazards counts under both)'),
  byRegion: z.record(z.string(), z.number().int()),
  byMonth: z.record(z.string(), z.number().int()).describe('By month of filing, YYYY-MM in timeZone'),
  timeZone: z.string(),
});

/** The decision on a photo held outside the region. */
export const HoldDecisionBody = z
  .object({
    decision: z
      .enum(HOLD_DECISIONS)
      .describe(
        'process: detect and review it all the same (administrators, with a note); discard: leave it unprocessed, kept',
      ),
    note: z.string().trim().max(2000).optional().describe('Why; required to process'),
  })
  .strict();

/** A bureau's region on the map: a GeoJSON Polygon or MultiPolygon, [longitude, latitude], WGS-84. */
const Position2 = z.tuple([z.number(), z.number()]);
export const RegionBoundaryGeometry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(Position2).min(4)).min(1) }),
  z.object({
    type: z.literal('MultiPolygon'),
    coordinates: z.array(z.array(z.array(Position2).min(4)).min(1)).min(1),
  }),
]);

export const OrganisationRegion = z.object({
  regionCode: z.string().describe('The jurisdiction, a GB/T 2260 code or prefix'),
  name: z
    .string()
    .nullable()
    .describe('The province the code lies in (China for the whole country); null for a code of no known province'),
  boundary: RegionBoundaryGeometry.nullable().describe(
    'Photos are checked against it; null: only against the bounding box of the region code’s province',
  ),
});
