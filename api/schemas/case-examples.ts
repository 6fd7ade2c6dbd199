import type { z } from 'zod';
import {
  CASE_REF_EXAMPLE,
  DETECTION_EXAMPLE,
  FINDING_EXAMPLE,
  FLIGHT_EXAMPLE,
  FLIGHT_REF_EXAMPLE,
  IMAGE_EXAMPLE,
  REVIEW_EXAMPLE,
  SITE_REF_EXAMPLE,
} from './examples.js';
import type { Attachment, Case, CaseDetail, CaseEvent, CaseSummary } from './resources.js';
import type { Site } from './sites.js';

/*
 * Examples of the case routes for the API document: the case the smoke plume of ./examples.ts
 * went into, which the regulator has moved to rectification with a deadline. Checked like those.
 */

const REVIEWER_ID = '2b4d6f8b-0c3e-4a5c-9d7f-1b3d5f7b9d6a';

const SITE_DETAIL = {
  ...SITE_REF_EXAMPLE,
  industry: 'chemicals',
  contact: { name: 'Safety officer', phone: '0371-00000000' },
} satisfies Omit<z.output<typeof Site>, 'region' | 'geometry' | 'createdAt'>;

export const CASE_EXAMPLE = {
  id: CASE_REF_EXAMPLE.id,
  reference: 'HS-000137',
  status: 'rectification_due',
  overdue: false,
  severity: 'major',
  hazardCodes: ['FIRE-SMOKE'],
  findingsCount: 1,
  site: SITE_REF_EXAMPLE,
  regionCode: '410105',
  flightId: FLIGHT_EXAMPLE.id,
  position: { lat: 34.748792, lon: 113.663424 },
  // 23:59:59 on 19 December in Beijing.
  dueAt: '2026-12-19T15:59:59.000Z',
  dismissalReason: null,
  createdAt: '2026-12-05T02:14:37.000Z',
  updatedAt: '2026-12-05T07:05:12.000Z',
} satisfies z.output<typeof Case>;

const REGULATOR = { name: 'Chen Jing', role: 'regulator' };

export const CASE_EVENT_EXAMPLE = {
  id: 1893,
  kind: 'transition',
  fromStatus: 'notified',
  toStatus: 'rectification_due',
  actor: REGULATOR,
  note: '责令于12月19日前清理储罐区东侧明火及烟源 (clear the fire and smoke source east of the tank farm by 19 December)',
  reason: null,
  dueAt: CASE_EXAMPLE.dueAt,
  detail: null,
  at: CASE_EXAMPLE.updatedAt,
} satisfies z.output<typeof CaseEvent>;

export const ATTACHMENT_EXAMPLE = {
  id: '8c0e2a4c-6e1b-4d3f-a7c9-1f3b5d7f9b80',
  filename: '整改照片-储罐区东侧.jpg',
  contentType: 'image/jpeg',
  sha256: '5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c',
  sizeBytes: 2_318_406,
  uploadedBy: 'Chen Jing',
  createdAt: '2026-12-12T02:41:09.000Z',
} satisfies z.output<typeof Attachment>;

export const CASE_DETAIL_EXAMPLE = {
  ...CASE_EXAMPLE,
  next: ['rectified', 'dismissed'],
  siteDetail: SITE_DETAIL,
  flight: FLIGHT_REF_EXAMPLE,
  findings: [
    {
      findingId: FINDING_EXAMPLE.id,
      detectionId: DETECTION_EXAMPLE.id,
      className: 'smoke',
      hazardCode: 'FIRE-SMOKE',
      severity: 'major',
      addedAt: CASE_EXAMPLE.createdAt,
      evidence: {
        image: {
          id: IMAGE_EXAMPLE.id,
          objectKey: IMAGE_EXAMPLE.objectKey,
          sha256: IMAGE_EXAMPLE.sha256,
          width: 5280,
          height: 3956,
          capture: IMAGE_EXAMPLE.capture,
        },
        detection: {
          id: DETECTION_EXAMPLE.id,
          className: 'smoke',
          score: 0.83,
          threshold: 0.125,
          box: DETECTION_EXAMPLE.box,
        },
        model: DETECTION_EXAMPLE.model,
        review: {
          id: REVIEW_EXAMPLE.id,
          reviewer: 'Li Na',
          reviewerUserId: REVIEWER_ID,
          decision: 'confirm',
          newClass: null,
          note: REVIEW_EXAMPLE.note,
          decidedAt: REVIEW_EXAMPLE.createdAt,
        },
        detectedAt: DETECTION_EXAMPLE.createdAt,
      },
      finding: FINDING_EXAMPLE,
    },
  ],
  reviews: [REVIEW_EXAMPLE],
  events: [
    {
      id: 1702,
      kind: 'opened',
      fromStatus: null,
      toStatus: 'filed',
      actor: { name: 'Li Na', role: 'reviewer' },
      note: null,
      reason: null,
      dueAt: null,
      detail: { findingId: FINDING_EXAMPLE.id, hazardCode: 'FIRE-SMOKE', reviewId: REVIEW_EXAMPLE.id },
      at: CASE_EXAMPLE.createdAt,
    },
    {
      id: 1755,
      kind: 'transition',
      fromStatus: 'filed',
      toStatus: 'notified',
      actor: REGULATOR,
      note: '已电话及书面通知企业安全负责人 (safety officer notified by phone and in writing)',
      reason: null,
      dueAt: null,
      detail: null,
      at: '2026-12-05T06:30:00.000Z',
    },
    CASE_EVENT_EXAMPLE,
  ],
  attachments: [],
} satisfies z.output<typeof CaseDetail>;

export const CASE_SUMMARY_EXAMPLE = {
  total: 58,
  overdue: 4,
  byStatus: { filed: 9, notified: 6, rectification_due: 14, rectified: 5, verified: 3, closed: 17, dismissed: 4 },
  byHazard: { 'FIRE-SMOKE': 31, 'FIRE-OPEN-FLAME': 24, 'CHEM-DRUMS-OUTSIDE-BUND': 6 },
  byRegion: { '410102': 7, '410103': 5, '410104': 9, '410105': 21, '410122': 16 },
  byMonth: { '2026-10': 12, '2026-11': 27, '2026-12': 19 },
  timeZone: 'Asia/Shanghai',
} satisfies z.output<typeof CaseSummary>;

/** A case as a map point, as GET /cases/geojson and the GeoJSON export give it. */
export const CASES_GEOJSON_EXAMPLE = {
  type: 'FeatureCollection' as const,
  bbox: [113.663424, 34.748792, 113.663424, 34.748792],
  features: [
    {
      type: 'Feature' as const,
      geometry: { type: 'Point', coordinates: [113.663424, 34.748792] },
      properties: {
        kind: 'case',
        caseId: CASE_REF_EXAMPLE.id,
        reference: CASE_EXAMPLE.reference,
        status: CASE_EXAMPLE.status,
        overdue: false,
        severity: 'major',
        hazards: CASE_EXAMPLE.hazardCodes,
        findings: 1,
        siteId: SITE_REF_EXAMPLE.id,
        site: SITE_REF_EXAMPLE.name,
        regionCode: '410105',
        filedAt: CASE_EXAMPLE.createdAt,
        dueAt: CASE_EXAMPLE.dueAt,
      },
    },
  ],
};

export const CASES_PAGE_EXAMPLE = {
  items: [CASE_EXAMPLE],
  nextCursor:
    'eyJzb3J0IjoiLWNyZWF0ZWRBdCIsInZhbHVlcyI6WyIyMDI2LTEyLTA1VDAyOjE0OjM3LjAwMFoiXSwiaWQiOiJmM2I1ZDdmOS0xYzJlLTRkNGEtYjZjOC0wZTJhNGI2ZDhmNDgifQ',
};

/** A client in Beijing gives the deadline in its own time. */
export const TRANSITION_BODY_EXAMPLE = {
  to: 'rectification_due' as const,
  dueAt: '2026-12-19T23:59:59+08:00',
  note: CASE_EVENT_EXAMPLE.note,
};
