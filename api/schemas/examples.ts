import type { z } from 'zod';
import type {
  CaseRef,
  Detection,
  Finding,
  Flight,
  Image,
  MissedHazard,
  NewMissedHazard,
  Review,
  ReviewDecision,
} from './resources.js';

/*
 * Examples for the API document, shared by the routes of flights, photos, review and findings
 * (and by ./flight-examples.ts and ./case-examples.ts) so that they tell one story: a survey of the
 * demo chemical works in Zhengzhou (the site of the routes/sites.ts examples) on 5 December 2026,
 * and a smoke plume a reviewer confirmed there. test/contract/openapi.test.ts parses every example with its route's schema;
 * `satisfies` catches a wrong field already at compile time.
 * Answers carry UTC times as the API writes them (toISOString); the camera's own time keeps its
 * +08:00 offset, and request bodies show a client's local time.
 */

const ORGANISATION_ID = '7d0f3b2a-6c1e-4a59-b8d4-2e9f0c3a1b65';
const FLIGHT_ID = 'a1c3e5f7-2b4d-4f6a-8c0e-1d3f5b7a9c2e';
const IMAGE_ID = '4e8a2c6b-0d1f-4b3a-9e5c-7f2a4c6e8b01';
const IMAGE_SHA256 = '9c1185a5c5e9fc54612808977ee8f548b2258d31d3c8a5a7f1f2f4c9e2b0d7a1';
const OTHER_IMAGE_ID = '6b2d4f8a-1c3e-4a5b-8d7f-9e0a2c4b6d13';
const DETECTION_ID = 'c7e9a1b3-5d2f-4e6a-8b0c-2d4f6a8c0e15';
const OTHER_DETECTION_ID = 'd8f0b2c4-6e3a-4f7b-9c1d-3e5a7b9d1f26';
const FINDING_ID = 'e2a4c6e8-0b1d-4c3f-a5b7-9d1f3a5c7e37';
const CASE_ID = 'f3b5d7f9-1c2e-4d4a-b6c8-0e2a4b6d8f48';
const REVIEW_ID = '1a3c5e7a-9b2d-4f4b-8c6e-0a2c4e6a8c59';
const MODEL = {
  name: 'hazard-v2',
  version: '2.0.0',
  sha256: '1795547a97ded2b8ebca704b0cc7666f72d4827daf0673b31a3c54a7cb8cb6d5',
};

export const SITE_REF_EXAMPLE = {
  id: '3f6d2c1e-8b4a-4f7e-9c2d-5a1b0e9f8d7c',
  name: '郑州示范化工有限公司',
  creditCode: '91410105MA9F5G8X1A',
  regionCode: '410105',
};
export const FLIGHT_EXAMPLE = {
  id: FLIGHT_ID,
  organisationId: ORGANISATION_ID,
  regionCode: '410105',
  name: '金水区化工园区周巡查 Jinshui chemical park weekly survey 2026-12-05',
  siteName: '郑州示范化工有限公司',
  operator: 'Zhao Lei',
  notes: 'DJI M3E, 60 m above take-off, 75 % overlap; wind 3 m/s from the north-east',
  status: 'completed',
  createdAt: '2026-12-05T01:20:00.000Z',
  completedAt: '2026-12-05T02:05:41.000Z',
} satisfies z.output<typeof Flight>;

export const FLIGHT_REF_EXAMPLE = {
  id: FLIGHT_EXAMPLE.id,
  name: FLIGHT_EXAMPLE.name,
  siteName: FLIGHT_EXAMPLE.siteName,
  operator: FLIGHT_EXAMPLE.operator,
  createdAt: FLIGHT_EXAMPLE.createdAt,
};

export const OPEN_FLIGHT_EXAMPLE = {
  ...FLIGHT_EXAMPLE,
  status: 'open',
  completedAt: null,
} satisfies z.output<typeof Flight>;

/** The drone's position when the photo was taken and, below, the ground the photo covers. */
const CAPTURED_AT = { lat: 34.748712, lon: 113.663184 };

export const IMAGE_EXAMPLE = {
  id: IMAGE_ID,
  flightId: FLIGHT_ID,
  objectKey: `flights/${FLIGHT_ID}/${IMAGE_SHA256}.jpg`,
  sha256: IMAGE_SHA256,
  sizeBytes: 11_482_913,
  originalFilename: 'DJI_20261205093214_0042_W.JPG',
  width: 5280,
  height: 3956,
  capture: {
    latitude: CAPTURED_AT.lat,
    longitude: CAPTURED_AT.lon,
    relativeAltitudeM: 60.2,
    absoluteAltitudeM: 162.9,
    gimbalPitchDeg: -90,
    gimbalYawDeg: 87.4,
    flightYawDeg: 87.1,
    rtkFlag: 50,
    make: 'DJI',
    model: 'M3E',
    focalLengthMm: 12.29,
    focalLength35mm: 24,
    takenAt: '2026-12-05T09:32:14+08:00',
    takenAtHasOffset: true,
    orientation: 1,
  },
  footprint: [
    { lat: 34.749014, lon: 113.662692 },
    { lat: 34.749014, lon: 113.663676 },
    { lat: 34.74841, lon: 113.663676 },
    { lat: 34.74841, lon: 113.662692 },
    { lat: 34.749014, lon: 113.662692 },
  ],
  geoReason: null,
  status: 'processed',
  failureReason: null,
  flagReason: null,
  hold: null,
  duplicateOf: null,
  registeredVia: 'api',
  createdAt: '2026-12-05T01:48:09.512Z',
  processedAt: '2026-12-05T01:48:12.087Z',
} satisfies z.output<typeof Image>;

/** A photo taken over the neighbouring county, outside the bureau's boundary, that an administrator processed. */
export const HELD_IMAGE_EXAMPLE = {
  ...IMAGE_EXAMPLE,
  id: '5f9b3d7c-2e4a-4c6b-8f0d-4a6c8e0b2d74',
  objectKey: `flights/${FLIGHT_ID}/0d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e.jpg`,
  sha256: '0d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e',
  originalFilename: 'DJI_20261205094402_0117_W.JPG',
  capture: { ...IMAGE_EXAMPLE.capture, latitude: 34.791255, longitude: 114.318907 },
  footprint: null,
  status: 'queued',
  flagReason: 'outside_region',
  hold: {
    decision: 'process',
    decidedAt: '2026-12-05T03:12:45.000Z',
    note: '开封方向边界巡查，经开封市局同意 (boundary patrol agreed with the Kaifeng bureau)',
  },
  createdAt: '2026-12-05T01:56:30.118Z',
  processedAt: null,
} satisfies z.output<typeof Image>;

export const DETECTION_EXAMPLE = {
  id: DETECTION_ID,
  imageId: IMAGE_ID,
  className: 'smoke',
  hazardCode: 'FIRE-SMOKE',
  severity: 'major',
  score: 0.83,
  threshold: 0.125,
  box: [3120, 1404, 3588, 1986],
  state: 'confirmed',
  ground: {
    lat: 34.74879,
    lon: 113.66342,
    errorM: 2.4,
    polygon: [
      { lat: 34.748862, lon: 113.663331 },
      { lat: 34.748862, lon: 113.663418 },
      { lat: 34.748773, lon: 113.663418 },
      { lat: 34.748773, lon: 113.663331 },
      { lat: 34.748862, lon: 113.663331 },
    ],
  },
  siteId: SITE_REF_EXAMPLE.id,
  model: MODEL,
  createdAt: '2026-12-05T01:48:12.061Z',
} satisfies z.output<typeof Detection>;

const FLAGGED_DETECTION_EXAMPLE = { ...DETECTION_EXAMPLE, state: 'flagged' } satisfies z.output<typeof Detection>;

const SECOND_VIEW = {
  ...DETECTION_EXAMPLE,
  id: OTHER_DETECTION_ID,
  imageId: OTHER_IMAGE_ID,
  score: 0.64,
  box: [1022, 2210, 1396, 2731],
  state: 'flagged',
  ground: { lat: 34.748797, lon: 113.663431, errorM: 3.1, polygon: null },
  createdAt: '2026-12-05T01:48:15.402Z',
} satisfies z.output<typeof Detection>;

export const FINDING_EXAMPLE = {
  id: FINDING_ID,
  flightId: FLIGHT_ID,
  className: 'smoke',
  hazardCode: 'FIRE-SMOKE',
  severity: 'major',
  position: { lat: 34.748792, lon: 113.663424, errorM: 1.9 },
  siteId: SITE_REF_EXAMPLE.id,
  regionCode: '410105',
  status: 'confirmed',
  decidedAt: '2026-12-05T02:14:37.000Z',
  lease: null,
  recurringOf: null,
  capturedAt: '2026-12-05T01:32:14.000Z',
  recurrences: [],
  bestScore: 0.83,
  viewCount: 2,
  views: [
    { rank: 1, merit: 0.91, detection: DETECTION_EXAMPLE },
    { rank: 2, merit: 0.64, detection: SECOND_VIEW },
  ],
  createdAt: '2026-12-05T02:06:02.000Z',
} satisfies z.output<typeof Finding>;

export const REVIEW_EXAMPLE = {
  id: REVIEW_ID,
  detectionId: DETECTION_ID,
  findingId: FINDING_ID,
  reviewer: 'Li Na',
  decision: 'confirm',
  newClass: null,
  reason: null,
  note: '烟雾来自储罐区东侧，非食堂排气 (smoke from the east of the tank farm, not the canteen vent)',
  createdAt: '2026-12-05T02:14:37.000Z',
} satisfies z.output<typeof Review>;

export const CASE_REF_EXAMPLE = {
  id: CASE_ID,
  reference: 'HS-000137',
  status: 'filed',
  siteId: SITE_REF_EXAMPLE.id,
  findingsCount: 1,
  hazardCodes: ['FIRE-SMOKE'],
} satisfies z.output<typeof CaseRef>;

export const MISSED_HAZARD_EXAMPLE = {
  id: '9d1f3b5d-7f2a-4c4e-b8d0-2a4c6e8a0c91',
  imageId: IMAGE_ID,
  flightId: FLIGHT_ID,
  findingId: FINDING_ID,
  imageSha256: IMAGE_SHA256,
  imageSize: { width: 5280, height: 3956 },
  className: 'fire',
  box: [3390, 1902, 3472, 1990],
  note: '烟雾下方可见明火 (open flame visible under the smoke)',
  reviewer: 'Li Na',
  createdAt: '2026-12-05T02:13:58.000Z',
} satisfies z.output<typeof MissedHazard>;

export const IMAGE_WITH_DETECTIONS_EXAMPLE = {
  image: IMAGE_EXAMPLE,
  detections: [
    DETECTION_EXAMPLE,
    {
      ...DETECTION_EXAMPLE,
      id: '0e2a4c6e-8a3b-4d5f-9b1d-5f7b9d1f3ba7',
      className: 'fire',
      hazardCode: 'FIRE-OPEN-FLAME',
      score: 0.09,
      box: [3402, 1911, 3468, 1984],
      state: 'below_threshold',
    },
  ],
  duplicateOf: null,
};

export const ORIGINAL_URL_EXAMPLE = {
  url: `https://s3.hazardscope.example.gov.cn/hazardscope-originals/${IMAGE_EXAMPLE.objectKey}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=hazardscope-api%2F20261205%2Fcn-central-1%2Fs3%2Faws4_request&X-Amz-Date=20261205T021102Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=8d2f6a1c4e7b9d3f5a0c2e4b6d8f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f`,
  expiresAt: '2026-12-05T02:16:02.000Z',
};

export const REVIEW_QUEUE_EXAMPLE = {
  items: [
    {
      finding: {
        id: FINDING_ID,
        flightId: FLIGHT_ID,
        className: 'smoke',
        hazardCode: 'FIRE-SMOKE',
        severity: 'major',
        bestScore: 0.83,
        viewCount: 2,
        siteId: SITE_REF_EXAMPLE.id,
        siteName: SITE_REF_EXAMPLE.name,
        regionCode: '410105',
        recurringOf: null,
        position: FINDING_EXAMPLE.position,
        createdAt: FINDING_EXAMPLE.createdAt,
      },
      detection: FLAGGED_DETECTION_EXAMPLE,
      image: { id: IMAGE_ID, filename: IMAGE_EXAMPLE.originalFilename, width: 5280, height: 3956 },
      lease: null,
    },
  ],
  counts: {
    total: 12,
    byHazard: [
      { hazardCode: 'FIRE-SMOKE', className: 'smoke', count: 7 },
      { hazardCode: 'FIRE-OPEN-FLAME', className: 'fire', count: 5 },
    ],
    bySeverity: { major: 12, general: 0 },
  },
  nextCursor: 'eyJzY29yZSI6MC44MywiaWQiOiJlMmE0YzZlOC0wYjFkLTRjM2YtYTViNy05ZDFmM2E1YzdlMzcifQ',
};

export const LEASE_EXAMPLE = {
  findingId: FINDING_ID,
  holder: 'Li Na',
  expiresAt: '2026-12-05T02:19:02.000Z',
  mine: true,
};

export const DECISION_BODY_EXAMPLE = {
  decision: 'confirm',
  note: REVIEW_EXAMPLE.note,
} satisfies z.input<typeof ReviewDecision>;

export const DECISION_EXAMPLE = {
  review: REVIEW_EXAMPLE,
  findingId: FINDING_ID,
  findingStatus: 'confirmed',
  case: CASE_REF_EXAMPLE,
  joinedCase: false,
};

export const MISSED_HAZARD_BODY_EXAMPLE = {
  className: MISSED_HAZARD_EXAMPLE.className,
  box: MISSED_HAZARD_EXAMPLE.box,
  note: MISSED_HAZARD_EXAMPLE.note,
  findingId: FINDING_ID,
} satisfies z.input<typeof NewMissedHazard>;
