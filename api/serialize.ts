import type { CaseRow, ReviewRow } from '../pipeline/repositories/cases.js';
import type { DetectionRow } from '../pipeline/repositories/detections.js';
import type { FlightRow } from '../pipeline/repositories/flights.js';
import type { FindingWithViews } from '../pipeline/services/findings.js';
import type { ImageRow } from '../pipeline/repositories/images.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const toFlight = (f: FlightRow) => ({ id: f.id, name: f.name, siteName: f.siteName, notes: f.notes, status: f.status, createdAt: f.createdAt.toISOString(), completedAt: iso(f.completedAt) });

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
      ? { lat: d.groundLat, lon: d.groundLon, errorM: d.groundErrorM ?? 0, polygon: (d.groundPolygon as Array<{ lat: number; lon: number }> | null) ?? null }
      : null,
  siteId: d.siteId,
  model: { name: d.modelName, version: d.modelVersion, sha256: d.modelSha256 },
  createdAt: d.createdAt.toISOString(),
});

export const toReview = (r: ReviewRow) => ({ id: r.id, detectionId: r.detectionId, reviewer: r.reviewerName, decision: r.decision, newClass: r.newClass, note: r.note, createdAt: r.createdAt.toISOString() });

export const toCase = (c: CaseRow) => ({
  id: c.id,
  detectionId: c.detectionId,
  flightId: c.flightId,
  imageId: c.imageId,
  className: c.className,
  hazardCode: c.hazardCode,
  severity: c.severity,
  status: c.status,
  createdAt: c.createdAt.toISOString(),
  evidence: c.evidence as Record<string, unknown>,
});

export const toFinding = (f: FindingWithViews) => ({
  id: f.id,
  flightId: f.flightId,
  className: f.className,
  hazardCode: f.hazardCode,
  severity: f.severity,
  position: f.lat !== null && f.lon !== null ? { lat: f.lat, lon: f.lon, errorM: f.errorM ?? 0 } : null,
  siteId: f.siteId,
  recurringOf: f.recurringOf,
  bestScore: f.bestScore,
  viewCount: f.viewCount,
  views: f.views.map((v) => ({ rank: v.rank, merit: v.merit, detection: toDetection(v.detection) })),
  createdAt: f.createdAt.toISOString(),
});
