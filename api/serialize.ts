import { caseReference } from '../pipeline/domain/cases.js';
import { leaseState } from '../pipeline/domain/review.js';
import type { Principal } from '../pipeline/domain/roles.js';
import type { AttachmentRow, CaseEventRow, CaseRow } from '../pipeline/repositories/cases.js';
import type { ReviewRow } from '../pipeline/repositories/reviews.js';
import type { FindingRow } from '../pipeline/repositories/findings.js';
import type { MissedHazardListing } from '../pipeline/repositories/missed-hazards.js';
import type { CaseDetail, CaseListItem } from '../pipeline/services/cases.js';
import type { QueueItem } from '../pipeline/services/review.js';
import type { DetectionRow } from '../pipeline/repositories/detections.js';
import type { FlightRow, UploadRejectionRow } from '../pipeline/repositories/flights.js';
import type { FindingWithViews } from '../pipeline/services/findings.js';
import type { ImageRow } from '../pipeline/repositories/images.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const toFlight = (f: FlightRow) => ({
  id: f.id,
  organisationId: f.organisationId,
  regionCode: f.regionCode,
  name: f.name,
  siteName: f.siteName,
  operator: f.operatorName,
  notes: f.notes,
  status: f.status,
  createdAt: f.createdAt.toISOString(),
  completedAt: iso(f.completedAt),
});

export const toUploadRejection = (r: UploadRejectionRow) => ({
  objectKey: r.objectKey,
  sha256: r.sha256,
  filename: r.filename,
  sizeBytes: r.sizeBytes,
  reason: r.reason,
  rejectedAt: r.rejectedAt.toISOString(),
});

export const toImage = (i: ImageRow) => ({
  id: i.id,
  flightId: i.flightId,
  objectKey: i.objectKey,
  sha256: i.sha256,
  sizeBytes: i.sizeBytes,
  originalFilename: i.originalFilename,
  width: i.width,
  height: i.height,
  capture: (i.capture as Record<string, unknown> | null) ?? null,
  footprint: (i.footprint as Array<{ lat: number; lon: number }> | null) ?? null,
  geoReason: i.geoReason,
  status: i.status,
  failureReason: i.failureReason,
  flagReason: i.flagReason,
  hold:
    i.flagReason === 'outside_region'
      ? { decision: i.holdDecision, decidedAt: iso(i.holdDecidedAt), note: i.holdNote }
      : null,
  duplicateOf: i.duplicateOf,
  registeredVia: i.registeredVia,
  createdAt: i.createdAt.toISOString(),
  processedAt: iso(i.processedAt),
});

export const toDetection = (d: DetectionRow) => ({
  id: d.id,
  imageId: d.imageId,
  className: d.className,
  hazardCode: d.hazardCode,
  severity: d.severity,
  score: d.score,
  threshold: d.threshold,
  box: [d.x1, d.y1, d.x2, d.y2] as [number, number, number, number],
  state: d.state,
  ground:
    d.groundLat !== null && d.groundLon !== null
      ? {
          lat: d.groundLat,
          lon: d.groundLon,
          errorM: d.groundErrorM ?? 0,
          polygon: (d.groundPolygon as Array<{ lat: number; lon: number }> | null) ?? null,
        }
      : null,
  siteId: d.siteId,
  model: { name: d.modelName, version: d.modelVersion, sha256: d.modelSha256 },
  createdAt: d.createdAt.toISOString(),
});

export const toReview = (r: ReviewRow) => ({
  id: r.id,
  detectionId: r.detectionId,
  findingId: r.findingId,
  reviewer: r.reviewerName,
  decision: r.decision,
  newClass: r.newClass,
  reason: r.reason,
  note: r.note,
  createdAt: r.createdAt.toISOString(),
});

const positionOf = (f: { lat: number | null; lon: number | null; errorM: number | null }) =>
  f.lat !== null && f.lon !== null ? { lat: f.lat, lon: f.lon, errorM: f.errorM ?? 0 } : null;

/** The lease as the caller sees it: nobody, themselves, or someone else until a time. */
function leaseOf(
  f: Pick<FindingRow, 'leaseUserId' | 'leaseHolder' | 'leaseExpiresAt'>,
  principal: Principal | undefined,
  now = new Date(),
) {
  if (!principal) return null;
  const state = leaseState(
    { userId: f.leaseUserId, holder: f.leaseHolder, expiresAt: f.leaseExpiresAt },
    principal.userId,
    now,
  );
  return state.kind === 'free'
    ? null
    : {
        holder: state.kind === 'mine' ? principal.name : state.holder,
        expiresAt: state.expiresAt.toISOString(),
        mine: state.kind === 'mine',
      };
}

export const toCase = ({ case: c, site, overdue }: CaseListItem) => ({
  id: c.id,
  reference: caseReference(c.number),
  status: c.status,
  overdue,
  severity: c.severity,
  hazardCodes: c.hazardCodes,
  findingsCount: c.findingsCount,
  site,
  regionCode: c.regionCode,
  flightId: c.flightId,
  position: c.lat !== null && c.lon !== null ? { lat: c.lat, lon: c.lon } : null,
  dueAt: iso(c.dueAt),
  dismissalReason: c.dismissalReason,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

export const toCaseRef = (c: CaseRow) => ({
  id: c.id,
  reference: caseReference(c.number),
  status: c.status,
  siteId: c.siteId,
  findingsCount: c.findingsCount,
  hazardCodes: c.hazardCodes,
});

export const toCaseEvent = (e: CaseEventRow) => ({
  id: e.id,
  kind: e.kind,
  fromStatus: e.fromStatus,
  toStatus: e.toStatus,
  actor: { name: e.actorName, role: e.actorRole },
  note: e.note,
  reason: e.reason,
  dueAt: iso(e.dueAt),
  detail: (e.detail as Record<string, unknown> | null) ?? null,
  at: e.at.toISOString(),
});

export const toAttachment = (a: AttachmentRow) => ({
  id: a.id,
  filename: a.filename,
  contentType: a.contentType,
  sha256: a.sha256,
  sizeBytes: a.sizeBytes,
  uploadedBy: a.uploadedByName,
  createdAt: a.createdAt.toISOString(),
});

export const toCaseDetail = (d: CaseDetail, principal: Principal | undefined) => ({
  ...toCase({
    case: d.case,
    site: d.site && { id: d.site.id, name: d.site.name, creditCode: d.site.creditCode, regionCode: d.site.regionCode },
    overdue: d.overdue,
  }),
  next: d.next,
  flight: d.flight && {
    id: d.flight.id,
    name: d.flight.name,
    siteName: d.flight.siteName,
    operator: d.flight.operatorName,
    createdAt: d.flight.createdAt.toISOString(),
  },
  siteDetail: d.site
    ? {
        id: d.site.id,
        name: d.site.name,
        creditCode: d.site.creditCode,
        industry: d.site.industry,
        regionCode: d.site.regionCode,
        contact: d.site.contact as Record<string, unknown>,
      }
    : null,
  findings: d.findings.map((f) => ({
    findingId: f.link.findingId,
    detectionId: f.link.detectionId,
    className: f.link.className,
    hazardCode: f.link.hazardCode,
    severity: f.link.severity,
    addedAt: f.link.addedAt.toISOString(),
    evidence: f.link.evidence as Record<string, unknown>,
    finding: f.finding ? toFinding({ ...f.finding, views: f.views }, principal) : null,
  })),
  reviews: d.reviews.map(toReview),
  events: d.events.map(toCaseEvent),
  attachments: d.attachments.map(toAttachment),
});

export const toQueueItem = (i: QueueItem) => ({
  finding: {
    id: i.finding.id,
    flightId: i.finding.flightId,
    className: i.finding.className,
    hazardCode: i.finding.hazardCode,
    severity: i.finding.severity,
    bestScore: i.finding.bestScore,
    viewCount: i.finding.viewCount,
    siteId: i.finding.siteId,
    siteName: i.siteName,
    regionCode: i.finding.regionCode,
    recurringOf: i.finding.recurringOf,
    position: positionOf(i.finding),
    createdAt: i.finding.createdAt.toISOString(),
  },
  detection: toDetection(i.detection),
  image: { id: i.detection.imageId, filename: i.imageFilename, width: i.imageWidth, height: i.imageHeight },
  lease: i.lease && { holder: i.lease.holder, expiresAt: i.lease.expiresAt.toISOString(), mine: i.lease.mine },
});

export const toMissedHazard = (m: MissedHazardListing) => ({
  id: m.id,
  imageId: m.imageId,
  flightId: m.flightId,
  findingId: m.findingId,
  imageSha256: m.imageSha256,
  imageSize: m.imageWidth && m.imageHeight ? { width: m.imageWidth, height: m.imageHeight } : null,
  className: m.className,
  box: [m.x1, m.y1, m.x2, m.y2] as [number, number, number, number],
  note: m.note,
  reviewer: m.reviewerName,
  createdAt: m.createdAt.toISOString(),
});

export const toFinding = (f: FindingWithViews, principal: Principal | undefined) => ({
  id: f.id,
  flightId: f.flightId,
  className: f.className,
  hazardCode: f.hazardCode,
  severity: f.severity,
  position: positionOf(f),
  siteId: f.siteId,
  regionCode: f.regionCode,
  status: f.status,
  decidedAt: iso(f.decidedAt),
  lease: leaseOf(f, principal),
  recurringOf: f.recurringOf,
  capturedAt: iso(f.capturedAt),
  ...(f.recurrences
    ? {
        recurrences: f.recurrences.map((r) => ({
          id: r.id,
          flightId: r.flightId,
          capturedAt: iso(r.capturedAt),
          status: r.status,
        })),
      }
    : {}),
  bestScore: f.bestScore,
  viewCount: f.viewCount,
  views: f.views.map((v) => ({ rank: v.rank, merit: v.merit, detection: toDetection(v.detection) })),
  createdAt: f.createdAt.toISOString(),
});
