import type { z } from 'zod';
import {
  DETECTION_EXAMPLE,
  FINDING_EXAMPLE,
  FLIGHT_EXAMPLE,
  HELD_IMAGE_EXAMPLE,
  IMAGE_EXAMPLE,
  OPEN_FLIGHT_EXAMPLE,
  SITE_REF_EXAMPLE,
} from './examples.js';
import type { FlightStatus, Image, UploadRejection, UploadRequest, UploadTicket } from './resources.js';

/*
 * Examples of the flight routes for the API document: the survey of ./examples.ts while and after
 * its photos came in. Checked like those.
 */

/** The flight on a map: a footprint, the track, a detection and its finding. */
export const FLIGHT_GEOJSON_EXAMPLE = {
  type: 'FeatureCollection' as const,
  bbox: [113.662692, 34.74841, 113.664531, 34.749014],
  features: [
    {
      type: 'Feature' as const,
      geometry: {
        type: 'Polygon',
        coordinates: [IMAGE_EXAMPLE.footprint.map((p) => [p.lon, p.lat])],
      },
      properties: { kind: 'footprint', imageId: IMAGE_EXAMPLE.id, filename: IMAGE_EXAMPLE.originalFilename },
    },
    {
      type: 'Feature' as const,
      geometry: {
        type: 'LineString',
        coordinates: [
          [113.663184, 34.748712],
          [113.663857, 34.748715],
          [113.664531, 34.748719],
        ],
      },
      properties: { kind: 'track', flightId: FLIGHT_EXAMPLE.id },
    },
    {
      type: 'Feature' as const,
      geometry: { type: 'Point', coordinates: [DETECTION_EXAMPLE.ground.lon, DETECTION_EXAMPLE.ground.lat] },
      properties: {
        kind: 'detection',
        detectionId: DETECTION_EXAMPLE.id,
        imageId: IMAGE_EXAMPLE.id,
        className: 'smoke',
        hazardCode: 'FIRE-SMOKE',
        severity: 'major',
        score: 0.83,
        state: 'confirmed',
        errorM: 2.4,
        siteId: SITE_REF_EXAMPLE.id,
      },
    },
    {
      type: 'Feature' as const,
      geometry: { type: 'Point', coordinates: [113.663424, 34.748792] },
      properties: {
        kind: 'finding',
        findingId: FINDING_EXAMPLE.id,
        className: 'smoke',
        hazardCode: 'FIRE-SMOKE',
        severity: 'major',
        bestScore: 0.83,
        views: 2,
        errorM: 1.9,
        siteId: SITE_REF_EXAMPLE.id,
        recurringOf: null,
      },
    },
  ],
};

export const UPLOAD_REJECTION_EXAMPLE = {
  objectKey: `flights/${FLIGHT_EXAMPLE.id}/3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d.jpg`,
  sha256: '3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d',
  filename: 'DJI_20261205095120_0163_W.JPG',
  sizeBytes: 4_194_304,
  reason: 'the upload was cut short when the flight was completed: 4194304 bytes arrived',
  rejectedAt: FLIGHT_EXAMPLE.completedAt,
} satisfies z.output<typeof UploadRejection>;

const UPLOAD_SHA256 = 'b2e4f6a8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e2f4';
export const FLIGHTS_PAGE_EXAMPLE = {
  items: [OPEN_FLIGHT_EXAMPLE],
  nextCursor:
    'eyJjcmVhdGVkQXQiOiIyMDI2LTEyLTA0VDA2OjEwOjAwLjAwMFoiLCJpZCI6IjBjMmU0YTZjLThlMWItNGQzZi1hNWM3LTllMWIzZDVmN2IwNCJ9',
};

// The image counts are built from IMAGE_STATUSES, so their inferred type does not spell them out.
export const FLIGHT_STATUS_EXAMPLE = {
  flight: FLIGHT_EXAMPLE,
  images: { registered: 0, queued: 1, processing: 0, processed: 209, failed: 1, duplicate: 2, held: 0, total: 213 },
  done: false,
  rejectedUploads: [UPLOAD_REJECTION_EXAMPLE],
  failures: [
    {
      imageId: '7a9c1e3b-5d2f-4a6c-8e0b-2c4e6a8c0e92',
      filename: 'DJI_20261205095433_0171_W.JPG',
      reason: 'not a decodable image: premature end of JPEG data (truncated)',
      discardedAt: null,
    },
  ],
  detections: [
    { className: 'smoke', state: 'confirmed', count: 2, live: true },
    { className: 'fire', state: 'below_threshold', count: 3, live: true },
    { className: 'drums_outside_bund', state: 'flagged', count: 1, live: false },
  ],
  flaggedImages: [
    {
      imageId: HELD_IMAGE_EXAMPLE.id,
      filename: HELD_IMAGE_EXAMPLE.originalFilename,
      status: 'queued',
      reason: 'outside_region',
      position: { lat: 34.791255, lon: 114.318907 },
      hold: HELD_IMAGE_EXAMPLE.hold,
      actions: [],
      duplicateOf: null,
    },
    {
      imageId: '3d5f7b9d-1f4a-4c6e-8a0c-4e6a8c0e2a85',
      filename: 'DJI_20261205093508_0051_W.JPG',
      status: 'duplicate',
      reason: 'duplicate',
      position: { lat: 34.748903, lon: 113.664011 },
      hold: null,
      actions: [],
      duplicateOf: {
        imageId: '1f3b5d7f-9b2c-4e4a-b6c8-8e0a2c4e6a96',
        flightId: '0c2e4a6c-8e1b-4d3f-a5c7-9e1b3d5f7b04',
      },
    },
  ],
  awaitingDecision: 0,
} satisfies Omit<z.output<typeof FlightStatus>, 'images'> & { images: Record<string, number> };

export const UPLOAD_REQUEST_EXAMPLE = {
  files: [
    {
      filename: 'DJI_20261205093214_0042_W.JPG',
      sha256: IMAGE_EXAMPLE.sha256,
      sizeBytes: 11_482_913,
      contentType: 'image/jpeg',
    },
    {
      filename: 'DJI_20261205093216_0043_W.JPG',
      sha256: UPLOAD_SHA256,
      sizeBytes: 11_397_260,
      contentType: 'image/jpeg',
    },
  ],
} satisfies z.input<typeof UploadRequest>;

export const UPLOAD_TICKETS_EXAMPLE = {
  uploads: [
    { filename: 'DJI_20261205093214_0042_W.JPG', status: 'already-uploaded', objectKey: IMAGE_EXAMPLE.objectKey },
    {
      filename: 'DJI_20261205093216_0043_W.JPG',
      status: 'upload',
      objectKey: `flights/${FLIGHT_EXAMPLE.id}/${UPLOAD_SHA256}.jpg`,
      method: 'PUT',
      url: `https://s3.hazardscope.example.gov.cn/hazardscope-originals/flights/${FLIGHT_EXAMPLE.id}/${UPLOAD_SHA256}.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=hazardscope-uploader%2F20261205%2Fcn-central-1%2Fs3%2Faws4_request&X-Amz-Date=20261205T014702Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host%3Bx-amz-checksum-sha256&X-Amz-Signature=4f0b7f5d2c1a9e8b3d6c0f2a5e7b9d1c3a5f7e9b1d3c5a7e9f1b3d5c7a9e1f3b`,
      headers: {
        'Content-Type': 'image/jpeg',
        'x-amz-checksum-sha256': 'suT2qMDS5PaosMLU5vigssTW6PCitMbY4PKktsjQ4vQ=',
      },
      expiresAt: '2026-12-05T02:02:02.000Z',
    },
  ],
} satisfies { uploads: z.output<typeof UploadTicket>[] };

/** A photo just uploaded through the API, waiting for the detector. */
export const QUEUED_IMAGE_EXAMPLE = {
  ...IMAGE_EXAMPLE,
  footprint: null,
  status: 'queued',
  processedAt: null,
} satisfies z.output<typeof Image>;
