import { createHash } from 'node:crypto';
import {
  type CaseStatus,
  caseReference,
  checkAcceptsAttachments,
  checkSiteAssignable,
  decideTransition,
  type DismissalReason,
  isOverdue,
  nextStatuses,
} from '../domain/cases.js';
import { CSV_BOM, csvRow } from '../domain/csv.js';
import { NotFoundError, UnprocessableError } from '../domain/errors.js';
import type { Principal } from '../domain/roles.js';
import { narrowRegion, type Scope, scopeOf } from '../domain/scope.js';
import { distanceToSiteM, type SiteGeometry } from '../domain/sites.js';
import { type FeatureCollection, featureCollection, type GeoJsonOptions, pointFeature } from '../geo/geojson.js';
import type { AuditRepository } from '../repositories/audit.js';
import type {
  AttachmentRow,
  CaseEventRow,
  CaseFilter,
  CaseFindingRow,
  CaseKey,
  CaseListRow,
  CaseRepository,
  CaseRow,
  CaseSort,
} from '../repositories/cases.js';
import type { DetectionRow } from '../repositories/detections.js';
import type { FindingRepository, FindingRow } from '../repositories/findings.js';
import type { FlightRepository, FlightRow } from '../repositories/flights.js';
import type { ReviewRepository, ReviewRow } from '../repositories/reviews.js';
import type { SiteRepository, SiteRow } from '../repositories/sites.js';
import type { ObjectStorage } from '../repositories/storage.js';
import type { UnitOfWork } from '../repositories/unit-of-work.js';
import type { Clock } from './review.js';

/** A case filter as a caller gives it: their scope comes from who they are, a region only narrows it. */
export type CaseQuery = Omit<CaseFilter, 'scope' | 'regionPrefix'> & { region?: string | undefined };

export interface CaseListItem extends CaseListRow {
  overdue: boolean;
}

export interface CaseFindingDetail {
  link: CaseFindingRow;
  finding: FindingRow | null;
  views: Array<{ rank: number; merit: number; detection: DetectionRow }>;
}

export interface CaseDetail {
  case: CaseRow;
  overdue: boolean;
  next: CaseStatus[];
  site: SiteRow | null;
  /** The flight that found it, shown by name and date rather than by id. */
  flight: FlightRow | null;
  findings: CaseFindingDetail[];
  reviews: ReviewRow[];
  events: CaseEventRow[];
  attachments: AttachmentRow[];
}

export const ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'application/pdf'] as const;
/** The most rows one export holds; a regulator narrows the filter for more. */
const EXPORT_MAX_ROWS = 100_000;
const EXPORT_PAGE = 1000;
/** How many sites by bounding box are measured exactly for each candidate asked for. */
const CANDIDATE_SHORTLIST = 4;

interface SiteCandidate {
  site: SiteRow;
  /** Metres from the case's position to the outline (0 inside); null when the case has no position. */
  distanceM: number | null;
}

interface CaseServiceOptions {
  cases: CaseRepository;
  reviews: ReviewRepository;
  findings: FindingRepository;
  flights: FlightRepository;
  sites: SiteRepository;
  storage: ObjectStorage;
  audit: AuditRepository;
  unitOfWork: UnitOfWork;
  /** Months in summaries are counted in this IANA time zone. */
  timeZone: string;
  now: Clock;
}

/** Enforcement cases for regulators: lists, the lifecycle, the enterprise's evidence, exports and counts. */
export class CaseService {
  private readonly cases: CaseRepository;
  private readonly reviews: ReviewRepository;
  private readonly findings: FindingRepository;
  private readonly flights: FlightRepository;
  private readonly sites: SiteRepository;
  private readonly storage: ObjectStorage;
  private readonly audit: AuditRepository;
  private readonly unitOfWork: UnitOfWork;
  private readonly timeZone: string;
  private readonly now: Clock;

  constructor(options: CaseServiceOptions) {
    this.cases = options.cases;
    this.reviews = options.reviews;
    this.findings = options.findings;
    this.flights = options.flights;
    this.sites = options.sites;
    this.storage = options.storage;
    this.audit = options.audit;
    this.unitOfWork = options.unitOfWork;
    this.timeZone = options.timeZone;
    this.now = options.now;
  }

  async list(
    principal: Principal,
    query: CaseQuery,
    sort: CaseSort,
    limit: number,
    after: CaseKey | undefined,
  ): Promise<{ items: CaseListItem[]; next: CaseKey | undefined }> {
    if (after && !this.cases.fitsSort(after, sort))
      throw new UnprocessableError('the cursor does not fit this sort order; start from the first page', {
        field: 'cursor',
      });
    const filter = this.filterFor(principal, query);
    if (!filter) return { items: [], next: undefined };
    const now = this.now();
    const rows = await this.cases.list(filter, sort, limit + 1, after, now);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => ({ ...r, overdue: isOverdue(r.case.status, r.case.dueAt, now) })),
      next: rows.length > limit && last ? this.cases.keyOf(last.case, sort) : undefined,
    };
  }

  async summary(principal: Principal, query: CaseQuery) {
    const filter = this.filterFor(principal, query);
    if (!filter)
      return { total: 0, overdue: 0, byStatus: {}, byHazard: {}, byRegion: {}, byMonth: {}, timeZone: this.timeZone };
    return { ...(await this.cases.summary(filter, this.timeZone, this.now())), timeZone: this.timeZone };
  }

  /** A case with its findings, their views, reviews, history and attachments; viewing evidence is audited. */
  async detail(principal: Principal, caseId: string): Promise<CaseDetail> {
    const detail = await this.load(scopeOf(principal), caseId);
    await this.audit.append({
      actor: actorOf(principal),
      action: 'case.viewed',
      subjectType: 'case',
      subjectId: caseId,
      detail: { userId: principal.userId },
    });
    return detail;
  }

  /** The same as detail, without recording a view: for building the evidence bundle, which records its own export. */
  async load(scope: Scope, caseId: string): Promise<CaseDetail> {
    const row = await this.cases.get(caseId, scope);
    if (!row) throw new NotFoundError(`no case ${caseId}`);
    const [links, events, attachments, site, flight] = await Promise.all([
      this.cases.findingsOf(caseId),
      this.cases.eventsOf(caseId),
      this.cases.attachmentsOf(caseId),
      row.siteId ? this.sites.get(row.siteId) : Promise.resolve(undefined),
      // The case's flight even when it was flown in another region: its name is what the case names.
      this.flights.get(row.flightId),
    ]);
    const findingIds = links.flatMap((l) => (l.findingId ? [l.findingId] : []));
    const [findingRows, views] = await Promise.all([
      Promise.all(findingIds.map((id) => this.findings.get(id))),
      this.findings.views(findingIds),
    ]);
    const detectionIds = [...new Set([...links.map((l) => l.detectionId), ...views.map((v) => v.detection.id)])];
    const now = this.now();
    return {
      case: row,
      overdue: isOverdue(row.status, row.dueAt, now),
      next: nextStatuses(row.status),
      site: site ?? null,
      flight: flight ?? null,
      findings: links.map((link) => ({
        link,
        finding: findingRows.find((f) => f?.id === link.findingId) ?? null,
        views: views
          .filter((v) => v.findingId === link.findingId)
          .map(({ rank, merit, detection }) => ({ rank, merit, detection })),
      })),
      reviews: await this.reviews.ofDetections(detectionIds),
      events,
      attachments,
    };
  }

  /**
   * Moves a case along its lifecycle (domain/cases.ts decides what is allowed), with its event and
   * audit entry. The case row is locked first, as a decision that adds a finding to it locks it.
   */
  async transition(
    principal: Principal,
    caseId: string,
    request: {
      to: CaseStatus;
      note?: string | undefined;
      dueAt?: Date | undefined;
      reason?: DismissalReason | undefined;
      attachmentIds?: readonly string[] | undefined;
    },
  ): Promise<{ item: CaseListItem; event: CaseEventRow }> {
    const now = this.now();
    const scope = scopeOf(principal);
    const attachmentIds = request.attachmentIds ?? [];
    const { caseRow, event } = await this.unitOfWork.withTransaction(async (tx) => {
      const current = await this.cases.lockInScope(tx, caseId, scope);
      if (!current) throw new NotFoundError(`no case ${caseId}`);
      const attachments = await this.cases.attachmentsAmong(tx, caseId, attachmentIds);
      const changes = decideTransition(
        current,
        principal.role,
        { ...request, attachmentIds },
        attachments.map((a) => a.id),
        now,
      );
      const caseRow = await this.cases.update(tx, caseId, changes);
      const event = await this.cases.addEvent(tx, caseId, {
        kind: 'transition',
        fromStatus: current.status,
        toStatus: request.to,
        actor: principal,
        note: request.note,
        reason: request.reason,
        dueAt: request.dueAt,
        detail: attachments.length
          ? { attachments: attachments.map((a) => ({ id: a.id, filename: a.filename, sha256: a.sha256 })) }
          : undefined,
        at: now,
      });
      await this.audit.append(
        {
          actor: actorOf(principal),
          action: `case.${request.to}`,
          subjectType: 'case',
          subjectId: caseId,
          detail: {
            from: current.status,
            to: request.to,
            note: request.note ?? null,
            reason: request.reason ?? null,
            dueAt: request.dueAt?.toISOString() ?? null,
            attachments: attachments.map((a) => a.sha256),
            eventId: event.id,
          },
        },
        tx,
      );
      return { caseRow, event };
    });
    const site = caseRow.siteId ? await this.sites.get(caseRow.siteId) : undefined;
    return {
      item: {
        case: caseRow,
        site: site ? { id: site.id, name: site.name, creditCode: site.creditCode, regionCode: site.regionCode } : null,
        overdue: isOverdue(caseRow.status, caseRow.dueAt, now),
      },
      event,
    };
  }

  /** Names the liable site of a case that has none yet (or corrects it before the enterprise is notified). */
  async assignSite(principal: Principal, caseId: string, siteId: string, note: string | undefined): Promise<CaseRow> {
    const scope = scopeOf(principal);
    const site = await this.sites.getInScope(siteId, scope);
    if (!site) throw new UnprocessableError(`no site ${siteId} in your organisation and region`, { field: 'siteId' });
    const now = this.now();
    return this.unitOfWork.withTransaction(async (tx) => {
      const current = await this.cases.lockInScope(tx, caseId, scope);
      if (!current) throw new NotFoundError(`no case ${caseId}`);
      checkSiteAssignable(current.status);
      const caseRow = await this.cases.update(tx, caseId, {
        siteId: site.id,
        regionCode: site.regionCode,
        updatedAt: now,
      });
      await this.cases.addEvent(tx, caseId, {
        kind: 'site_assigned',
        actor: principal,
        note,
        detail: { siteId: site.id, previousSiteId: current.siteId },
        at: now,
      });
      await this.audit.append(
        {
          actor: actorOf(principal),
          action: 'case.site_assigned',
          subjectType: 'case',
          subjectId: caseId,
          detail: { siteId: site.id, previousSiteId: current.siteId, note: note ?? null },
        },
        tx,
      );
      return caseRow;
    });
  }

  /**
   * The sites a regulator may name as liable for a case: those of the organisation in their region,
   * nearest the case's position first (outlines measured, not their boxes); oldest first when the
   * case was never placed on the ground.
   */
  async siteCandidates(principal: Principal, caseId: string, limit: number): Promise<SiteCandidate[]> {
    const scope = scopeOf(principal);
    const row = await this.cases.get(caseId, scope);
    if (!row) throw new NotFoundError(`no case ${caseId}`);
    const base = { organisationId: scope.organisationId, regionPrefix: scope.regionPrefix };
    if (row.lat === null || row.lon === null)
      return (await this.sites.list({ ...base, limit })).map((site) => ({ site, distanceM: null }));
    const point = { lat: row.lat, lon: row.lon };
    const shortlist = await this.sites.nearestByBounds({ ...base, ...point, limit: limit * CANDIDATE_SHORTLIST });
    return shortlist
      .map((site) => ({ site, distanceM: distanceToSiteM(point, site.geometry as SiteGeometry) }))
      .sort((a, b) => a.distanceM - b.distanceM || a.site.id.localeCompare(b.site.id))
      .slice(0, limit);
  }

  /**
   * Stores a file the enterprise gave (a photo of the repaired rail, a signed statement), as it came;
   * the same bytes twice are one attachment. The status is checked before storing, so a closed case
   * gets no orphan object, and again under the case's lock, since it may have closed meanwhile.
   */
  async addAttachment(
    principal: Principal,
    caseId: string,
    filename: string,
    body: Buffer,
    contentType: string,
  ): Promise<{ attachment: AttachmentRow; created: boolean }> {
    const scope = scopeOf(principal);
    const current = await this.cases.get(caseId, scope);
    if (!current) throw new NotFoundError(`no case ${caseId}`);
    checkAcceptsAttachments(caseId, current.status);
    if (!looksLike(contentType, body))
      throw new UnprocessableError(`the file is not the ${contentType} it says it is`, { field: 'content-type' });
    const sha256 = createHash('sha256').update(body).digest('hex');
    const objectKey = `cases/${caseId}/attachments/${sha256}`;
    await this.storage.putOriginalOnce(objectKey, body, contentType);
    const now = this.now();
    return this.unitOfWork.withTransaction(async (tx) => {
      const locked = await this.cases.lockInScope(tx, caseId, scope);
      if (!locked) throw new NotFoundError(`no case ${caseId}`);
      checkAcceptsAttachments(caseId, locked.status);
      const existing = await this.cases.attachmentWithSha256(tx, caseId, sha256);
      if (existing) return { attachment: existing, created: false };
      const attachment = await this.cases.insertAttachment(tx, {
        caseId,
        objectKey,
        filename,
        contentType,
        sha256,
        sizeBytes: body.length,
        uploadedByUser: principal.userId,
        uploadedByName: principal.name,
        createdAt: now,
      });
      await this.cases.update(tx, caseId, { updatedAt: now });
      await this.cases.addEvent(tx, caseId, {
        kind: 'attachment_added',
        actor: principal,
        detail: { attachmentId: attachment.id, filename, sha256, sizeBytes: body.length },
        at: now,
      });
      await this.audit.append(
        {
          actor: actorOf(principal),
          action: 'case.attachment_added',
          subjectType: 'case',
          subjectId: caseId,
          detail: { attachmentId: attachment.id, filename, sha256 },
        },
        tx,
      );
      return { attachment, created: true };
    });
  }

  async attachmentContent(
    principal: Principal,
    caseId: string,
    attachmentId: string,
  ): Promise<{ attachment: AttachmentRow; data: Buffer }> {
    if (!(await this.cases.get(caseId, scopeOf(principal)))) throw new NotFoundError(`no case ${caseId}`);
    const attachment = await this.cases.attachment(caseId, attachmentId);
    if (!attachment) throw new NotFoundError(`no attachment ${attachmentId} on case ${caseId}`);
    const data = await this.storage.getOriginal(attachment.objectKey);
    await this.audit.append({
      actor: actorOf(principal),
      action: 'case.attachment_viewed',
      subjectType: 'case',
      subjectId: caseId,
      detail: { attachmentId, sha256: attachment.sha256 },
    });
    return { attachment, data };
  }

  /** Every matching case as CSV (newest first), up to EXPORT_MAX_ROWS; the export is audited with what it held. */
  async exportCsv(principal: Principal, query: CaseQuery): Promise<{ csv: string; rows: number; truncated: boolean }> {
    const { rows, truncated } = await this.collect(principal, query);
    const now = this.now();
    let csv =
      CSV_BOM +
      csvRow([
        'reference',
        'id',
        'status',
        'overdue',
        'severity',
        'hazards',
        'findings',
        'site',
        'credit_code',
        'region_code',
        'latitude',
        'longitude',
        'flight_id',
        'filed_at',
        'updated_at',
        'rectification_due',
        'dismissal_reason',
      ]);
    for (const r of rows) {
      const c = r.case;
      csv += csvRow([
        caseReference(c.number),
        c.id,
        c.status,
        isOverdue(c.status, c.dueAt, now),
        c.severity,
        c.hazardCodes.join(';'),
        c.findingsCount,
        r.site?.name,
        r.site?.creditCode,
        c.regionCode,
        c.lat,
        c.lon,
        c.flightId,
        c.createdAt.toISOString(),
        c.updatedAt.toISOString(),
        c.dueAt?.toISOString(),
        c.dismissalReason,
      ]);
    }
    await this.recordExport(principal, 'csv', query, rows.length, createHash('sha256').update(csv).digest('hex'));
    return { csv, rows: rows.length, truncated };
  }

  /** Matching cases placed on the ground, as RFC 7946 points (cases without a position are left out); audited as an export. */
  async exportGeoJson(
    principal: Principal,
    query: CaseQuery,
    options: GeoJsonOptions,
  ): Promise<{ collection: FeatureCollection; truncated: boolean }> {
    const { rows, truncated } = await this.collect(principal, query);
    const collection = featureCollection(this.features(rows, options), options);
    await this.recordExport(
      principal,
      'geojson',
      query,
      collection.features.length,
      createHash('sha256').update(JSON.stringify(collection)).digest('hex'),
    );
    return { collection, truncated };
  }

  /**
   * The same points for the map page, newest first up to `limit`: a view like the case list, not
   * an export, so not audited as one.
   */
  async mapPoints(
    principal: Principal,
    query: CaseQuery,
    options: GeoJsonOptions,
    limit: number,
  ): Promise<{ collection: FeatureCollection; truncated: boolean }> {
    const filter = this.filterFor(principal, query);
    const rows = filter
      ? await this.cases.list({ ...filter, placedOnly: true }, '-createdAt', limit + 1, undefined, this.now())
      : [];
    return {
      collection: featureCollection(this.features(rows.slice(0, limit), options), options),
      truncated: rows.length > limit,
    };
  }

  private features(rows: readonly CaseListRow[], options: GeoJsonOptions) {
    const now = this.now();
    return rows
      .filter((r) => r.case.lat !== null && r.case.lon !== null)
      .map((r) =>
        pointFeature(
          { lat: r.case.lat!, lon: r.case.lon! },
          {
            kind: 'case',
            caseId: r.case.id,
            reference: caseReference(r.case.number),
            status: r.case.status,
            overdue: isOverdue(r.case.status, r.case.dueAt, now),
            severity: r.case.severity,
            hazards: r.case.hazardCodes,
            findings: r.case.findingsCount,
            siteId: r.case.siteId,
            site: r.site?.name ?? null,
            regionCode: r.case.regionCode,
            filedAt: r.case.createdAt.toISOString(),
            dueAt: r.case.dueAt?.toISOString() ?? null,
          },
          options,
        ),
      );
  }

  private async collect(principal: Principal, query: CaseQuery): Promise<{ rows: CaseListRow[]; truncated: boolean }> {
    const filter = this.filterFor(principal, query);
    if (!filter) return { rows: [], truncated: false };
    const now = this.now();
    const rows: CaseListRow[] = [];
    let after: CaseKey | undefined;
    for (;;) {
      const page = await this.cases.list(
        filter,
        '-createdAt',
        Math.min(EXPORT_PAGE, EXPORT_MAX_ROWS + 1 - rows.length),
        after,
        now,
      );
      rows.push(...page);
      if (page.length < EXPORT_PAGE || rows.length > EXPORT_MAX_ROWS) break;
      after = this.cases.keyOf(page.at(-1)!.case, '-createdAt');
    }
    const truncated = rows.length > EXPORT_MAX_ROWS;
    return { rows: rows.slice(0, EXPORT_MAX_ROWS), truncated };
  }

  private async recordExport(
    principal: Principal,
    format: string,
    query: CaseQuery,
    rows: number,
    sha256: string,
  ): Promise<void> {
    const filter = Object.fromEntries(
      Object.entries(query)
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- false positive: optional filters are undefined when not given
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
    );
    await this.audit.append({
      actor: actorOf(principal),
      action: 'cases.exported',
      subjectType: 'organisation',
      subjectId: principal.organisationId,
      detail: { format, filter, rows, sha256 },
    });
  }

  private filterFor(principal: Principal, query: CaseQuery): CaseFilter | undefined {
    const scope = scopeOf(principal);
    const { region, ...rest } = query;
    const regionPrefix = narrowRegion(scope, region);
    return regionPrefix === null ? undefined : { ...rest, scope, regionPrefix };
  }
}

function actorOf(principal: Principal): string {
  return `${principal.role}:${principal.name}`;
}

/** The file's first bytes are those of its declared type (an .exe sent as image/png is refused). */
function looksLike(contentType: string, body: Buffer): boolean {
  const starts = (...bytes: number[]) => bytes.every((b, i) => body[i] === b);
  if (contentType === 'image/jpeg') return starts(0xff, 0xd8, 0xff);
  if (contentType === 'image/png') return starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  if (contentType === 'application/pdf') return starts(0x25, 0x50, 0x44, 0x46, 0x2d);
  return false;
}
