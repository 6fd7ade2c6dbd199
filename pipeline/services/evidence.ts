import { caseReference, isOverdue } from '../domain/cases.js';
import { ConflictError } from '../domain/errors.js';
import type { Principal } from '../domain/roles.js';
import { scopeOf } from '../domain/scope.js';
import {
  BUNDLE_FORMAT,
  type FileKind,
  MANIFEST_FILE,
  type Manifest,
  type ManifestFile,
  SIGNATURE_FILE,
  signatureText,
} from '../evidence/bundle.js';
import { renderReport, type ReportData } from '../evidence/report.js';
import { sha256Hex, type SigningKey } from '../evidence/signing.js';
import { ZipWriter } from '../evidence/zip.js';
import type { ModelCard } from '../inference/load.js';
import type { Logger } from '../logger.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { DetectionRow } from '../repositories/detections.js';
import type { ImageRepository, ImageRow } from '../repositories/images.js';
import type { ObjectStorage } from '../repositories/storage.js';
import type { CaseDetail, CaseService } from './cases.js';
import { renderCrop } from './images.js';
import type { Clock } from './review.js';

/** Below the 4 GiB a ZIP without ZIP64 can address, with room for crops and metadata. */
const MAX_BUNDLE_BYTES = 3.5 * 1024 ** 3;

interface EvidenceExport {
  filename: string;
  /** The archive in pieces, made while it is sent: photos are read one at a time. */
  chunks: AsyncGenerator<Buffer>;
}

type Capture = { takenAt?: string; latitude?: number; longitude?: number } & Record<string, unknown>;

interface EvidenceServiceOptions {
  cases: CaseService;
  images: ImageRepository;
  storage: ObjectStorage;
  audit: AuditRepository;
  /** The key bundles are signed with. */
  signingKey: SigningKey;
  /** The active model, described in full in model.json. */
  model: ModelCard;
  /** Dates in the report are shown in this IANA time zone. */
  timeZone: string;
  now: Clock;
  logger: Logger;
}

/**
 * Evidence bundles: everything a case rests on, as it was recorded, in one signed ZIP that anyone
 * can check offline with `hazardscope verify-evidence`.
 */
export class EvidenceService {
  private readonly cases: CaseService;
  private readonly images: ImageRepository;
  private readonly storage: ObjectStorage;
  private readonly audit: AuditRepository;
  private readonly signingKey: SigningKey;
  private readonly model: ModelCard;
  private readonly timeZone: string;
  private readonly now: Clock;
  private readonly logger: Logger;

  constructor(options: EvidenceServiceOptions) {
    this.cases = options.cases;
    this.images = options.images;
    this.storage = options.storage;
    this.audit = options.audit;
    this.signingKey = options.signingKey;
    this.model = options.model;
    this.timeZone = options.timeZone;
    this.now = options.now;
    this.logger = options.logger;
  }

  /**
   * Starts an export. What can fail before the first byte (no such case, no key) fails here, so the
   * caller answers with an error rather than a broken download; the export is audited when it
   * starts and, with the manifest's hash, when it is complete.
   */
  async export(principal: Principal, caseId: string): Promise<EvidenceExport> {
    const detail = await this.cases.load(scopeOf(principal), caseId);
    const key = this.signingKey;
    const actor = `${principal.role}:${principal.name}`;
    await this.audit.append({
      actor,
      action: 'case.evidence_export_started',
      subjectType: 'case',
      subjectId: caseId,
      detail: { userId: principal.userId, keyId: key.keyId },
    });
    const views = detail.findings.flatMap((f) => f.views.map((v) => v.detection));
    const legacy = detail.findings.filter((f) => f.views.length === 0).map((f) => f.link.detectionId);
    const imageIds = [
      ...new Set([
        ...views.map((d) => d.imageId),
        ...detail.findings
          .map((f) => (f.link.evidence as { image?: { id?: string } }).image?.id)
          .filter((id): id is string => !!id),
      ]),
    ];
    const imageRows = await this.images.byIds(imageIds);
    // What would break the archive halfway (a photo gone from storage, more than a ZIP without
    // ZIP64 holds) is found before the first byte, so the answer is an error, not a cut download.
    let total = 0;
    for (const key of [...imageRows.map((i) => i.objectKey), ...detail.attachments.map((a) => a.objectKey)]) {
      const stored = await this.storage.statOriginal(key);
      if (!stored)
        throw new ConflictError(`the original ${key} is missing from storage: the bundle cannot be made whole`, {
          objectKey: key,
        });
      total += stored.size;
    }
    if (total > MAX_BUNDLE_BYTES)
      throw new ConflictError(
        `the case's files come to ${total} bytes, more than a bundle holds (${MAX_BUNDLE_BYTES})`,
        { bytes: total },
      );
    const subjects = {
      case: [caseId],
      finding: detail.findings.flatMap((f) => (f.link.findingId ? [f.link.findingId] : [])),
      detection: [...views.map((d) => d.id), ...legacy],
      image: imageIds,
      flight: [detail.case.flightId],
    };
    const reference = caseReference(detail.case.number);
    const generatedAt = this.now();
    return {
      filename: `${reference}-evidence.zip`,
      chunks: this.build(principal, detail, imageRows, subjects, key, generatedAt, actor),
    };
  }

  private async *build(
    principal: Principal,
    detail: CaseDetail,
    imageRows: ImageRow[],
    subjects: Record<string, string[]>,
    key: SigningKey,
    generatedAt: Date,
    actor: string,
  ): AsyncGenerator<Buffer> {
    const zip = new ZipWriter(generatedAt);
    const files: ManifestFile[] = [];
    let bytes = 0;
    const add = (path: string, kind: FileKind, data: Buffer, compress: boolean) => {
      files.push({ path, kind, sha256: sha256Hex(data), bytes: data.length });
      const parts = zip.add({ name: path, data, compress });
      for (const p of parts) bytes += p.length;
      return parts;
    };
    const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
    const c = detail.case;
    const reference = caseReference(c.number);
    const overdue = isOverdue(c.status, c.dueAt, generatedAt);
    const images = new Map(imageRows.map((i) => [i.id, i]));
    const photoPath = (image: ImageRow) => `photos/${image.sha256}.jpg`;

    yield* add(
      'case.json',
      'case',
      json({
        reference,
        id: c.id,
        status: c.status,
        overdue,
        severity: c.severity,
        hazardCodes: c.hazardCodes,
        regionCode: c.regionCode,
        flightId: c.flightId,
        position: c.lat !== null && c.lon !== null ? { lat: c.lat, lon: c.lon } : null,
        dueAt: c.dueAt,
        dismissalReason: c.dismissalReason,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
        site: detail.site && {
          id: detail.site.id,
          name: detail.site.name,
          creditCode: detail.site.creditCode,
          industry: detail.site.industry,
          regionCode: detail.site.regionCode,
          contact: detail.site.contact,
          geometry: detail.site.geometry,
        },
        findings: detail.findings.map((f) => ({
          findingId: f.link.findingId,
          decidedOnDetection: f.link.detectionId,
          className: f.link.className,
          hazardCode: f.link.hazardCode,
          severity: f.link.severity,
          addedAt: f.link.addedAt,
          position:
            f.finding && f.finding.lat !== null
              ? { lat: f.finding.lat, lon: f.finding.lon, errorM: f.finding.errorM }
              : null,
          recurringOf: f.finding?.recurringOf ?? null,
          evidenceAtDecision: f.link.evidence,
          views: f.views.map((v) => ({
            rank: v.rank,
            merit: v.merit,
            detectionId: v.detection.id,
            imageId: v.detection.imageId,
            crop: cropPath(f.link.findingId ?? f.link.detectionId, v.rank),
          })),
        })),
        events: detail.events,
        attachments: detail.attachments.map((a) => ({
          id: a.id,
          path: attachmentPath(a),
          filename: a.filename,
          contentType: a.contentType,
          sha256: a.sha256,
          sizeBytes: a.sizeBytes,
          uploadedBy: a.uploadedByName,
          createdAt: a.createdAt,
        })),
      }),
      true,
    );
    const models = uniqueBy(
      detail.findings.flatMap((f) => f.views.map((v) => v.detection)),
      (d) => d.modelSha256,
    ).map((d) => ({
      name: d.modelName,
      version: d.modelVersion,
      sha256: d.modelSha256,
      ...(d.modelSha256 === this.model.sha256 ? { file: this.model.file, classes: this.model.classes } : {}),
    }));
    yield* add(
      'model.json',
      'model',
      json({
        models,
        thresholdsAtDetection: detail.findings.flatMap((f) =>
          f.views.map((v) => ({
            detectionId: v.detection.id,
            className: v.detection.className,
            threshold: v.detection.threshold,
            score: v.detection.score,
          })),
        ),
      }),
      true,
    );
    yield* add('reviews.json', 'reviews', json({ reviews: detail.reviews }), true);
    const caseFindings = new Set(subjects.finding);
    const { entries: about, head } = await this.audit.entriesAbout(subjects);
    // A photo can show other findings too: marks made on it for those are theirs, not this case's.
    const entries = about.filter(
      (entry) =>
        entry.action !== 'image.missed_hazard_marked' ||
        caseFindings.has(String((entry.detail as { findingId?: unknown } | null)?.findingId)),
    );
    yield* add(
      'audit.json',
      'audit',
      json({
        note: 'Entries of the audit trail about this case, its findings, detections, photos and flight, with their chain hashes.',
        head,
        entries,
      }),
      true,
    );

    const reportFindings: ReportData['findings'] = [];
    const cropsOf = new Map<string, Array<{ view: { rank: number; detection: DetectionRow }; owner: string }>>();
    for (const f of detail.findings) {
      const owner = f.link.findingId ?? f.link.detectionId;
      for (const view of f.views) {
        const list = cropsOf.get(view.detection.imageId) ?? [];
        list.push({ view, owner });
        cropsOf.set(view.detection.imageId, list);
      }
    }
    // One photo at a time: read, hash, store as it is, and cut its crops while it is in memory.
    for (const image of imageRows) {
      const original = await this.storage.getOriginal(image.objectKey);
      if (sha256Hex(original) !== image.sha256)
        this.logger.error(
          { imageId: image.id },
          'an original in storage no longer matches its recorded sha256; the bundle will show it',
        );
      const detections = cropsOf.get(image.id) ?? [];
      yield* add(
        `metadata/${image.id}.json`,
        'metadata',
        json({
          imageId: image.id,
          flightId: image.flightId,
          photo: photoPath(image),
          originalFilename: image.originalFilename,
          objectKey: image.objectKey,
          sha256: image.sha256,
          sizeBytes: image.sizeBytes,
          pixels: { width: image.width, height: image.height },
          uploadedAt: image.createdAt,
          processedAt: image.processedAt,
          registeredVia: image.registeredVia,
          capture: image.capture,
          footprint: image.footprint,
          geoReason: image.geoReason,
          detections: detections.map(({ view }) => ({
            detectionId: view.detection.id,
            className: view.detection.className,
            score: view.detection.score,
            threshold: view.detection.threshold,
            box: [view.detection.x1, view.detection.y1, view.detection.x2, view.detection.y2],
            ground:
              view.detection.groundLat !== null
                ? {
                    lat: view.detection.groundLat,
                    lon: view.detection.groundLon,
                    errorM: view.detection.groundErrorM,
                    polygon: view.detection.groundPolygon,
                  }
                : null,
            siteId: view.detection.siteId,
            model: {
              name: view.detection.modelName,
              version: view.detection.modelVersion,
              sha256: view.detection.modelSha256,
            },
          })),
        }),
        true,
      );
      yield* add(photoPath(image), 'photo', original, false);
      for (const { view, owner } of detections) {
        const crop = await renderCrop(
          original,
          image,
          view.detection,
          `${view.detection.className} ${view.detection.score.toFixed(2)}`,
        );
        yield* add(cropPath(owner, view.rank), 'crop', crop, false);
      }
    }
    // Photos and PDFs are compressed already: stored as they are.
    for (const attachment of detail.attachments)
      yield* add(attachmentPath(attachment), 'attachment', await this.storage.getOriginal(attachment.objectKey), false);

    for (const f of detail.findings) {
      const owner = f.link.findingId ?? f.link.detectionId;
      const review = detail.reviews.find((r) => r.detectionId === f.link.detectionId);
      reportFindings.push({
        className: f.link.className,
        hazardCode: f.link.hazardCode,
        severity: f.link.severity,
        position:
          f.finding && f.finding.lat !== null && f.finding.lon !== null
            ? { lat: f.finding.lat, lon: f.finding.lon, errorM: f.finding.errorM }
            : null,
        decision: review
          ? {
              decision: review.decision,
              reviewer: review.reviewerName,
              at: review.createdAt.toISOString(),
              reason: review.reason,
              note: review.note,
              newClass: review.newClass,
            }
          : null,
        views: f.views.map((v) => {
          const image = images.get(v.detection.imageId)!;
          return {
            rank: v.rank,
            crop: cropPath(owner, v.rank),
            photo: photoPath(image),
            photoSha256: image.sha256 ?? '',
            score: v.detection.score,
            takenAt: ((image.capture ?? {}) as Capture).takenAt ?? null,
          };
        }),
      });
    }
    const report = renderReport({
      reference,
      status: c.status,
      severity: c.severity,
      hazardCodes: c.hazardCodes,
      filedAt: c.createdAt.toISOString(),
      dueAt: c.dueAt?.toISOString() ?? null,
      overdue,
      dismissalReason: c.dismissalReason,
      site: detail.site && {
        name: detail.site.name,
        creditCode: detail.site.creditCode,
        industry: detail.site.industry,
        regionCode: detail.site.regionCode,
        contact: detail.site.contact as Record<string, unknown>,
      },
      flightId: c.flightId,
      findings: reportFindings,
      events: detail.events.map((ev) => ({
        at: ev.at.toISOString(),
        kind: ev.kind,
        from: ev.fromStatus,
        to: ev.toStatus,
        actor: ev.actorName,
        role: ev.actorRole,
        note: ev.note,
        reason: ev.reason,
        dueAt: ev.dueAt?.toISOString() ?? null,
      })),
      models: models.map((m) => ({ name: m.name, version: m.version, sha256: m.sha256 })),
      photos: imageRows.map((i) => {
        const capture = (i.capture ?? {}) as Capture;
        return {
          path: photoPath(i),
          sha256: i.sha256 ?? '',
          filename: i.originalFilename,
          takenAt: capture.takenAt ?? null,
          lat: capture.latitude ?? null,
          lon: capture.longitude ?? null,
        };
      }),
      attachments: detail.attachments.map((a) => ({
        path: attachmentPath(a),
        filename: a.filename,
        sha256: a.sha256,
        uploadedBy: a.uploadedByName,
        at: a.createdAt.toISOString(),
      })),
      generatedAt: generatedAt.toISOString(),
      generatedBy: `${principal.name} (${principal.role})`,
      keyId: key.keyId,
      timeZone: this.timeZone,
    });
    yield* add('report.html', 'report', Buffer.from(report, 'utf8'), true);

    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      case: { id: c.id, reference, status: c.status },
      generatedAt: generatedAt.toISOString(),
      generatedBy: { name: principal.name, role: principal.role, organisationId: principal.organisationId },
      auditHead: head,
      photos: imageRows.map((i) => ({
        path: photoPath(i),
        imageId: i.id,
        originalFilename: i.originalFilename,
        recordedSha256: i.sha256 ?? '',
      })),
      files,
    };
    const manifestBytes = json(manifest);
    const manifestSha256 = sha256Hex(manifestBytes);
    yield* zip.add({ name: MANIFEST_FILE, data: manifestBytes, compress: true });
    yield* zip.add({
      name: SIGNATURE_FILE,
      data: Buffer.from(
        signatureText({
          algorithm: 'Ed25519',
          keyId: key.keyId,
          publicKey: key.publicKey,
          manifestSha256,
          signature: key.sign(manifestBytes),
        }),
        'utf8',
      ),
      compress: false,
    });
    // Recorded before the archive is closed: a bundle nobody can find in the trail is never complete.
    await this.audit.append({
      actor,
      action: 'case.evidence_exported',
      subjectType: 'case',
      subjectId: c.id,
      detail: { userId: principal.userId, manifestSha256, keyId: key.keyId, files: files.length + 2, bytes },
    });
    yield* zip.finish();
  }
}

function cropPath(owner: string, rank: number): string {
  return `crops/${owner}-view${rank + 1}.jpg`;
}

function attachmentPath(a: { sha256: string; filename: string }): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced in file names
  const safe = a.filename.replace(/[/\\\u0000-\u001f]/g, '_').slice(-120);
  return `attachments/${a.sha256.slice(0, 16)}-${safe}`;
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
