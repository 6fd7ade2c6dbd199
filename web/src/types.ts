/** The API's answers as the app uses them (the OpenAPI document at /api/v1/openapi.json is the full contract). */

export type Role = 'operator' | 'reviewer' | 'regulator' | 'admin';

export interface Me {
  name: string;
  role: Role;
  userId: string;
  organisationId: string;
  organisation: string;
  regionCode: string;
}

export interface LatLon {
  lat: number;
  lon: number;
}

export interface Detection {
  id: string;
  imageId: string;
  className: string;
  hazardCode: string;
  severity: 'major' | 'general';
  score: number;
  threshold: number;
  box: [number, number, number, number];
  state: string;
  ground: (LatLon & { errorM: number; polygon: LatLon[] | null }) | null;
  siteId: string | null;
  createdAt: string;
}

export interface Lease {
  holder: string;
  expiresAt: string;
  mine: boolean;
}

export interface QueueItem {
  finding: {
    id: string;
    flightId: string;
    className: string;
    hazardCode: string;
    severity: 'major' | 'general';
    bestScore: number;
    viewCount: number;
    siteId: string | null;
    siteName: string | null;
    regionCode: string;
    recurringOf: string | null;
    position: (LatLon & { errorM: number }) | null;
    createdAt: string;
  };
  detection: Detection;
  image: { id: string; filename: string | null; width: number | null; height: number | null };
  lease: Lease | null;
}

export interface QueuePage {
  items: QueueItem[];
  counts: { total: number; byHazard: Array<{ hazardCode: string; className: string; count: number }>; bySeverity: { major: number; general: number } };
  nextCursor: string | null;
}

export interface Finding {
  id: string;
  flightId: string;
  className: string;
  hazardCode: string;
  severity: string;
  position: (LatLon & { errorM: number }) | null;
  siteId: string | null;
  status: string;
  lease: Lease | null;
  viewCount: number;
  views: Array<{ rank: number; merit: number; detection: Detection }>;
}

export interface Image {
  id: string;
  flightId: string;
  originalFilename: string | null;
  width: number | null;
  height: number | null;
  sha256: string | null;
  capture: Record<string, unknown> | null;
  footprint: LatLon[] | null;
}

export interface ModelCard {
  name: string;
  version: string;
  classes: Array<{ name: string; hazardCode: string | null; severity: 'major' | 'general' | null; threshold: number; enabledByDefault: boolean; disabledReason: string | null }>;
}

/** A class as the caller's organisation has it (GET /models). */
export interface ModelClassState {
  name: string;
  hazardCode: string | null;
  severity: 'major' | 'general' | null;
  threshold: number;
  enabledByDefault: boolean;
  disabledReason: string | null;
  live: boolean;
  decidedBy: 'no_hazard_code' | 'override' | 'manifest';
  override: { enabled: boolean; note: string; changedBy: { userId: string; name: string }; changedAt: string } | null;
}

export interface ModelState {
  name: string;
  version: string;
  file: string;
  sha256: string;
  active: boolean;
  classes: ModelClassState[];
}

export interface Site {
  id: string;
  name: string;
  creditCode: string;
  industry: string;
  regionCode: string;
  contact: Record<string, string>;
  geometry: { type: 'Polygon'; coordinates: Array<Array<[number, number]>> } | { type: 'MultiPolygon'; coordinates: Array<Array<Array<[number, number]>>> };
}

export interface Flight {
  id: string;
  name: string;
  regionCode: string;
  status: 'open' | 'completed';
  createdAt: string;
  completedAt: string | null;
}

export type CaseStatus = 'filed' | 'notified' | 'rectification_due' | 'rectified' | 'verified' | 'closed' | 'dismissed';

export interface Case {
  id: string;
  reference: string;
  status: CaseStatus;
  overdue: boolean;
  severity: 'major' | 'general';
  hazardCodes: string[];
  findingsCount: number;
  site: { id: string; name: string; creditCode: string; regionCode: string } | null;
  regionCode: string;
  flightId: string;
  position: LatLon | null;
  dueAt: string | null;
  dismissalReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CaseEvent {
  id: number;
  kind: 'opened' | 'finding_added' | 'transition' | 'site_assigned' | 'attachment_added';
  fromStatus: string | null;
  toStatus: string | null;
  actor: { name: string; role: string };
  note: string | null;
  reason: string | null;
  dueAt: string | null;
  detail: Record<string, unknown> | null;
  at: string;
}

export interface Attachment {
  id: string;
  filename: string;
  contentType: string;
  sha256: string;
  sizeBytes: number;
  uploadedBy: string;
  createdAt: string;
}

export interface Review {
  id: string;
  detectionId: string;
  findingId: string | null;
  reviewer: string;
  decision: 'confirm' | 'reject' | 'relabel';
  newClass: string | null;
  reason: string | null;
  note: string | null;
  createdAt: string;
}

export interface CaseDetail extends Case {
  next: CaseStatus[];
  siteDetail: { id: string; name: string; creditCode: string; industry: string; regionCode: string; contact: Record<string, string> } | null;
  findings: Array<{ findingId: string | null; detectionId: string; className: string; hazardCode: string; severity: string; addedAt: string; finding: Finding | null }>;
  reviews: Review[];
  events: CaseEvent[];
  attachments: Attachment[];
}

export interface CaseSummary {
  total: number;
  overdue: number;
  byStatus: Record<string, number>;
  byHazard: Record<string, number>;
  byRegion: Record<string, number>;
  byMonth: Record<string, number>;
}
