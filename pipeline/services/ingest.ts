import { createHash } from 'node:crypto';
import pMap from 'p-map';
import type { FlightSettlement } from './findings-scheduler.js';
import type { Logger } from '../logger.js';
import {
  contentAddressedKey,
  decodeEventKey,
  flightPrefix,
  hasControlCharacters,
  parseObjectKey,
  type RegisteredVia,
} from '../domain/images.js';
import { ConflictError, NotFoundError, UnprocessableError, UnsupportedContentError } from '../domain/errors.js';
import type { Principal } from '../domain/roles.js';
import { REGION_PREFIX, regionWithin, type Scope, scopeOf } from '../domain/scope.js';
import { checksumSha256Header, judgeStoredUpload } from '../domain/uploads.js';
import { jpegProblem } from '../imaging/jpeg-check.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { FlightRepository, FlightRow, UploadRejectionRow } from '../repositories/flights.js';
import type { ImageRepository, ImageRow } from '../repositories/images.js';
import type { JobQueue } from '../repositories/queue.js';
import type { ObjectStorage } from '../repositories/storage.js';
import type { RecoveryService } from './recovery.js';

interface UploadRequest {
  filename: string;
  sha256: string;
  sizeBytes: number;
  contentType: string;
}

type UploadTicket =
  | {
      filename: string;
      status: 'upload';
      objectKey: string;
      method: 'PUT';
      url: string;
      headers: Record<string, string>;
      expiresAt: string;
    }
  | { filename: string; status: 'already-uploaded'; objectKey: string };

/** One record of a MinIO bucket notification (the S3 event structure). */
interface S3EventRecord {
  eventName: string;
  s3: {
    bucket: { name: string };
    object: {
      key: string;
      size?: number | undefined;
      eTag?: string | undefined;
      userMetadata?: Record<string, string> | undefined;
    };
  };
}

interface RegisterOutcome {
  objectKey: string;
  outcome: 'registered' | 'already-registered' | 'ignored' | 'rejected';
  imageId?: string;
  reason?: string;
}

interface IngestServiceOptions {
  flights: FlightRepository;
  images: ImageRepository;
  storage: ObjectStorage;
  queue: JobQueue;
  audit: AuditRepository;
  settlement: FlightSettlement;
  /** Puts a photo whose job was lost or failed back on track (the recovery sweeper's rules). */
  recovery: Pick<RecoveryService, 'recover'>;
  /** The model new jobs are queued for. */
  modelSha256: string;
  /** How long a presigned upload URL stays valid. */
  presignTtlSeconds: number;
  logger: Logger;
}

/**
 * The three ways photos arrive (API upload, bucket notification, reconciliation) all end in
 * `registerObject`, which is idempotent: one image row and one job per flight and content.
 */
export class IngestService {
  private readonly flights: FlightRepository;
  private readonly images: ImageRepository;
  private readonly storage: ObjectStorage;
  private readonly queue: JobQueue;
  private readonly audit: AuditRepository;
  private readonly settlement: FlightSettlement;
  private readonly recovery: Pick<RecoveryService, 'recover'>;
  private readonly modelSha256: string;
  private readonly presignTtlSeconds: number;
  private readonly logger: Logger;

  constructor(options: IngestServiceOptions) {
    this.flights = options.flights;
    this.images = options.images;
    this.storage = options.storage;
    this.queue = options.queue;
    this.audit = options.audit;
    this.settlement = options.settlement;
    this.recovery = options.recovery;
    this.modelSha256 = options.modelSha256;
    this.presignTtlSeconds = options.presignTtlSeconds;
    this.logger = options.logger;
  }

  /** A flight of the caller's organisation, in their region or a part of it (their own by default). */
  async createFlight(
    principal: Principal,
    input: { name: string; siteName?: string | undefined; notes?: string | undefined; regionCode?: string | undefined },
  ): Promise<FlightRow> {
    const regionCode = input.regionCode ?? principal.regionCode;
    if (!REGION_PREFIX.test(regionCode) || !regionWithin(regionCode, principal.regionCode)) {
      throw new UnprocessableError(
        `region ${regionCode} lies outside yours (${principal.regionCode || 'the whole country'})`,
        { field: 'regionCode' },
      );
    }
    const flight = await this.flights.create({
      name: input.name,
      siteName: input.siteName,
      notes: input.notes,
      createdBy: principal.tokenId,
      createdByUser: principal.userId,
      organisationId: principal.organisationId,
      regionCode,
    });
    await this.audit.append({
      actor: actorOf(principal),
      action: 'flight.created',
      subjectType: 'flight',
      subjectId: flight.id,
      detail: { name: input.name, organisationId: principal.organisationId, regionCode, userId: principal.userId },
    });
    return flight;
  }

  /**
   * Upload URLs bound to each photo's sha256 (see ObjectStorage.presignedPutOriginal). A photo counts
   * as already uploaded only when complete and verified: an image of these bytes exists, or the
   * object in the bucket hashes to them (registration stays with the notification or completion).
   * A cut-short object, as an interrupted PUT leaves on the embedded server, gets a URL again and
   * the PUT overwrites it; a different body is rejected (deleted, the reason kept) and gets one too.
   */
  async presignUploads(principal: Principal, flightId: string, files: UploadRequest[]): Promise<UploadTicket[]> {
    const flight = await this.openFlight(flightId, scopeOf(principal));
    await this.flights.recordUploadTickets(flightId, principal.userId, files);
    const expiresAt = new Date(Date.now() + this.presignTtlSeconds * 1000).toISOString();
    const known = await this.images.sha256sIn(
      flightId,
      files.map((f) => f.sha256),
    );
    return pMap(
      files,
      async (file): Promise<UploadTicket> => {
        const objectKey = contentAddressedKey(flightId, file.sha256);
        const uploaded = { filename: file.filename, status: 'already-uploaded', objectKey } as const;
        if (known.has(file.sha256)) return uploaded;
        if ((await this.checkStored(flight, objectKey, file.sha256, file.filename, false))?.kind === 'verified')
          return uploaded;
        const signed = this.storage.presignedPutOriginal(
          objectKey,
          this.presignTtlSeconds,
          checksumSha256Header(file.sha256),
        );
        return {
          filename: file.filename,
          status: 'upload',
          objectKey,
          method: 'PUT',
          url: signed.url,
          headers: { 'Content-Type': file.contentType, ...signed.headers },
          expiresAt,
        };
      },
      { concurrency: PRESIGN_CONCURRENCY },
    );
  }

  /** Upload through the API: stored content-addressed, so the same bytes twice are one image. */
  async upload(
    principal: Principal,
    flightId: string,
    filename: string,
    body: Buffer,
    contentType: string,
  ): Promise<{ image: ImageRow; created: boolean }> {
    await this.openFlight(flightId, scopeOf(principal));
    // Looked at before anything is stored: a PNG or a text file sent as image/jpeg would otherwise be
    // kept as a .jpg and, decoded by the worker all the same, counted as a photo with no hazards.
    const notJpeg = await jpegProblem(body);
    if (notJpeg) throw new UnsupportedContentError(notJpeg, { field: 'body', expected: 'image/jpeg' });
    const sha256 = createHash('sha256').update(body).digest('hex');
    const objectKey = contentAddressedKey(flightId, sha256);
    const stored = await this.storage.putOriginalOnce(objectKey, body, contentType);
    const result = await this.register({
      objectKey,
      sha256,
      sizeBytes: body.length,
      etag: stored.object.etag,
      filename,
      via: 'api',
      uploadedByUser: principal.userId,
    });
    if (result.created) {
      await this.audit.append({
        actor: actorOf(principal),
        action: 'image.uploaded',
        subjectType: 'image',
        subjectId: result.image.id,
        detail: { flightId, filename, sha256, sizeBytes: body.length },
      });
    }
    return result;
  }

  async completeFlight(
    principal: Principal,
    flightId: string,
  ): Promise<{ flight: FlightRow; registered: number; rejected: UploadRejectionRow[] }> {
    const flight = await this.flights.getInScope(flightId, scopeOf(principal));
    if (!flight) throw new NotFoundError(`no flight ${flightId}`);
    // Presigned uploads may have no notification (the embedded S3 sends none): sweep the prefix.
    // Nothing more will arrive, so an upload still cut short is rejected now rather than left over.
    const { registered } = await this.reconcile(flightPrefix(flightId), scopeOf(principal), { completing: true });
    const completed = await this.flights.complete(flightId);
    if (flight.status !== 'completed') {
      await this.audit.append({
        actor: actorOf(principal),
        action: 'flight.completed',
        subjectType: 'flight',
        subjectId: flightId,
        detail: { registeredOnCompletion: registered },
      });
    }
    // Every photo may already be done: then nothing else would start the merge into findings.
    await this.settlement.imageSettled(flightId);
    return { flight: completed!, registered, rejected: await this.flights.uploadRejections(flightId) };
  }

  /**
   * Bucket notifications. From MinIO itself (the webhook secret) any flight's objects register; a
   * person posting events reaches only the flights they may see.
   */
  async handleS3Event(
    records: S3EventRecord[],
    scope: Scope | undefined,
    /** Records handled at once; 1 is the old one-by-one (bench:webhook compares the two). */
    concurrency = EVENT_RECORD_CONCURRENCY,
  ): Promise<RegisterOutcome[]> {
    // Records are independent and registration is idempotent, so they are handled side by side; the
    // bound keeps one big notification from taking every database connection. Outcomes keep the
    // records' order.
    return pMap(records, (record) => this.handleS3Record(record, scope), { concurrency });
  }

  private async handleS3Record(record: S3EventRecord, scope: Scope | undefined): Promise<RegisterOutcome> {
    let objectKey: string;
    try {
      objectKey = decodeEventKey(record.s3.object.key);
    } catch {
      return { objectKey: record.s3.object.key, outcome: 'ignored', reason: 'the key is not valid URL encoding' };
    }
    if (!record.eventName.includes('ObjectCreated'))
      return { objectKey, outcome: 'ignored', reason: `event ${record.eventName} is not an object creation` };
    if (record.s3.bucket.name !== this.storage.settings.originalsBucket)
      return { objectKey, outcome: 'ignored', reason: `bucket ${record.s3.bucket.name} is not the originals bucket` };
    const meta = record.s3.object.userMetadata ?? {};
    // The photo is registered all the same; only a name no one can safely show is replaced.
    // Without one, registration names it (the upload ticket's name, else the key's last part).
    const filename = withoutControlCharacters(meta['X-Amz-Meta-Filename'] ?? meta['x-amz-meta-filename']);
    return this.registerStoredObject(objectKey, 's3-event', filename, scope);
  }

  /**
   * Registers every object under `prefix` the database lacks, and puts every unfinished image whose
   * job is lost, failed or finished without results back in the queue (a live job is left alone).
   * The recovery sweeper does the same unasked; this is the by-hand, no-waiting version.
   */
  async reconcile(
    prefix: string,
    scope: Scope,
    options: { completing?: boolean } = {},
  ): Promise<{ listed: number; registered: number; requeued: number; ignored: number; rejected: number }> {
    // Only objects of flights the caller may see are listed, let alone registered: another
    // organisation's uploads are not even counted.
    const visible = new Map<string, boolean>();
    const mine = async (flightId: string) => {
      if (!visible.has(flightId)) visible.set(flightId, (await this.flights.getInScope(flightId, scope)) !== undefined);
      return visible.get(flightId)!;
    };
    const objects = [];
    for (const object of await this.storage.listOriginals(prefix)) {
      const parsed = parseObjectKey(object.key);
      if (!parsed || (await mine(parsed.flightId))) objects.push(object);
    }
    const known = await this.images.keysUnder(prefix);
    let registered = 0;
    let ignored = 0;
    let rejected = 0;
    // Each unknown object is read in full to be verified, so several are handled side by side.
    const outcomes = await pMap(
      objects.filter((object) => !known.has(object.key)),
      (object) => this.registerStoredObject(object.key, 'reconcile', undefined, scope, options.completing),
      { concurrency: EVENT_RECORD_CONCURRENCY },
    );
    for (const { outcome } of outcomes) {
      if (outcome === 'registered') registered++;
      if (outcome === 'ignored') ignored++;
      if (outcome === 'rejected') rejected++;
    }
    // Re-adding alone is not enough: BullMQ ignores an id it still holds as a failed job.
    let requeued = 0;
    for (const image of await this.images.unfinished(prefix)) {
      if (!(await mine(image.flightId))) continue;
      const action = await this.recovery.recover(image, new Date(), true);
      if (action.kind === 'add' || action.kind === 'retry') requeued++;
    }
    return { listed: objects.length, registered, requeued, ignored, rejected };
  }

  /**
   * Registers an object found in the bucket. A content-addressed key names the photo's hash, and
   * only an object whose bytes hash to it becomes an image (read once, streaming): a different body
   * is deleted and its reason kept for the operator; one cut short is left for its upload to finish
   * or be resumed, and rejected once the flight is complete. Other keys are hashed and taken as they are.
   */
  private async registerStoredObject(
    objectKey: string,
    via: RegisteredVia,
    filename: string | undefined,
    scope: Scope | undefined,
    completing = false,
  ): Promise<RegisterOutcome> {
    const parsed = parseObjectKey(objectKey);
    if (!parsed) return { objectKey, outcome: 'ignored', reason: 'key is not under flights/<flight id>/' };
    const flight = scope
      ? await this.flights.getInScope(parsed.flightId, scope)
      : await this.flights.get(parsed.flightId);
    if (!flight) return { objectKey, outcome: 'ignored', reason: `no flight ${parsed.flightId}` };
    const stat = await this.storage.statOriginal(objectKey);
    if (!stat) return { objectKey, outcome: 'ignored', reason: 'object does not exist' };
    const expected = parsed.declaredSha256;
    let sha256: string;
    let sizeBytes = stat.size;
    // A repeated notification of a photo that is an image already: nothing to read.
    if (expected && (await this.images.sha256sIn(flight.id, [expected])).has(expected)) {
      sha256 = expected;
    } else if (expected) {
      const checked = await this.checkStored(flight, objectKey, expected, filename, completing);
      if (!checked) return { objectKey, outcome: 'ignored', reason: 'object does not exist' };
      // Incomplete: left for the upload to finish (or for the flight's completion to reject it).
      if (checked.kind !== 'verified')
        return { objectKey, outcome: checked.kind === 'rejected' ? 'rejected' : 'ignored', reason: checked.reason };
      sha256 = expected;
      sizeBytes = checked.sizeBytes;
      filename ??= checked.filename;
    } else {
      const stored = await this.storage.hashOriginal(objectKey);
      if (!stored) return { objectKey, outcome: 'ignored', reason: 'object does not exist' };
      sha256 = stored.sha256;
      sizeBytes = stored.size;
    }
    const { image, created } = await this.register({
      objectKey,
      sha256,
      sizeBytes,
      etag: stat.etag,
      filename: filename ?? objectKey.split('/').pop(),
      via,
    });
    return { objectKey, outcome: created ? 'registered' : 'already-registered', imageId: image.id };
  }

  /**
   * Whether the object at a content-addressed key is the photo it names, read once as a stream;
   * a rejected one is deleted here. Undefined when there is no such object.
   */
  private async checkStored(
    flight: FlightRow,
    objectKey: string,
    expected: string,
    filename: string | undefined,
    completing: boolean,
  ): Promise<
    | { kind: 'verified'; sizeBytes: number; filename: string | undefined }
    | { kind: 'incomplete' | 'rejected'; reason: string }
    | undefined
  > {
    const stored = await this.storage.hashOriginal(objectKey);
    if (!stored) return undefined;
    const declared = await this.flights.declaredUpload(flight.id, expected);
    const verdict = judgeStoredUpload({
      expectedSha256: expected,
      actualSha256: stored.sha256,
      storedBytes: stored.size,
      declaredBytes: declared.sizeBytes,
      final: completing || flight.status === 'completed',
    });
    if (verdict.kind === 'verified')
      return { kind: 'verified', sizeBytes: stored.size, filename: filename ?? declared.filename };
    if (verdict.kind === 'rejected')
      await this.rejectUpload(
        flight.id,
        objectKey,
        expected,
        filename ?? declared.filename,
        stored.size,
        verdict.reason,
      );
    return verdict;
  }

  /** The reason is kept before the object goes, so a failure between the two still leaves it said. */
  private async rejectUpload(
    flightId: string,
    objectKey: string,
    sha256: string,
    filename: string | undefined,
    sizeBytes: number,
    reason: string,
  ): Promise<void> {
    await this.flights.recordUploadRejection({ flightId, objectKey, sha256, filename, sizeBytes, reason });
    await this.storage.deleteRejectedOriginal(objectKey);
    await this.audit.append({
      actor: 'system:ingest',
      action: 'upload.rejected',
      subjectType: 'flight',
      subjectId: flightId,
      detail: { objectKey, sha256, filename: filename ?? null, sizeBytes, reason },
    });
    this.logger.warn({ flightId, objectKey, reason }, 'upload rejected: not the photo its key names');
  }

  private async register(input: {
    objectKey: string;
    sha256: string;
    sizeBytes: number;
    etag: string | undefined;
    filename: string | undefined;
    via: RegisteredVia;
    uploadedByUser?: string | undefined;
  }) {
    const parsed = parseObjectKey(input.objectKey);
    if (!parsed) throw new UnprocessableError(`object key ${input.objectKey} is not under flights/<flight id>/`);
    const result = await this.images.register({
      flightId: parsed.flightId,
      objectKey: input.objectKey,
      sha256: input.sha256,
      sizeBytes: input.sizeBytes,
      etag: input.etag,
      originalFilename: input.filename,
      via: input.via,
      uploadedByUser: input.uploadedByUser,
    });
    if (!result.created && input.via === 'api' && input.filename)
      await this.images.setFilenameIfMissing(result.image.id, input.filename);
    if (result.created || result.image.status === 'registered') await this.enqueue(result.image);
    this.logger.debug(
      { objectKey: input.objectKey, via: input.via, created: result.created, imageId: result.image.id },
      'object registered',
    );
    return result;
  }

  private async enqueue(image: ImageRow): Promise<void> {
    await this.queue.add('detect', {
      imageId: image.id,
      flightId: image.flightId,
      sha256: image.sha256!,
      modelSha256: this.modelSha256,
    });
    await this.images.markQueued(image.id);
  }

  private async openFlight(flightId: string, scope: Scope): Promise<FlightRow> {
    const flight = await this.flights.getInScope(flightId, scope);
    if (!flight) throw new NotFoundError(`no flight ${flightId}`);
    if (flight.status === 'completed')
      throw new ConflictError(`flight ${flightId} is completed; start a new flight for more photos`);
    return flight;
  }
}

/**
 * Records of one bucket notification registered at once. Each takes a database connection for a
 * few statements (the pool has 10) plus an S3 stat and a Redis add, so 8 leaves room for the
 * requests around it.
 */
const EVENT_RECORD_CONCURRENCY = 8;

/** Files of one upload request looked at at once; an object already in the bucket is read in full. */
const PRESIGN_CONCURRENCY = 8;

/** A name from object metadata or a key, with control characters (CR, LF …) made visible as '_'. */
function withoutControlCharacters(name: string | undefined): string | undefined {
  if (name === undefined || !hasControlCharacters(name)) return name;
  let visible = '';
  for (const c of name) visible += hasControlCharacters(c) ? '_' : c;
  return visible;
}

function actorOf(principal: Principal): string {
  return `${principal.role}:${principal.name}`;
}
