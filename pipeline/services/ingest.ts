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
import { jpegProblem } from '../imaging/jpeg-check.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { FlightRepository, FlightRow } from '../repositories/flights.js';
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
  outcome: 'registered' | 'already-registered' | 'ignored';
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

  async presignUploads(principal: Principal, flightId: string, files: UploadRequest[]): Promise<UploadTicket[]> {
    await this.openFlight(flightId, scopeOf(principal));
    await this.flights.recordUploadTickets(
      flightId,
      principal.userId,
      files.map((f) => f.sha256),
    );
    const expiresAt = new Date(Date.now() + this.presignTtlSeconds * 1000).toISOString();
    return Promise.all(
      files.map(async (file): Promise<UploadTicket> => {
        const objectKey = contentAddressedKey(flightId, file.sha256);
        if (await this.storage.statOriginal(objectKey))
          return { filename: file.filename, status: 'already-uploaded', objectKey };
        const url = await this.storage.presignedPutOriginal(objectKey, this.presignTtlSeconds);
        return {
          filename: file.filename,
          status: 'upload',
          objectKey,
          method: 'PUT',
          url,
          headers: { 'Content-Type': file.contentType },
          expiresAt,
        };
      }),
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

  async completeFlight(principal: Principal, flightId: string): Promise<{ flight: FlightRow; registered: number }> {
    const flight = await this.flights.getInScope(flightId, scopeOf(principal));
    if (!flight) throw new NotFoundError(`no flight ${flightId}`);
    // Presigned uploads may have no notification (the embedded S3 sends none): sweep the prefix.
    const { registered } = await this.reconcile(flightPrefix(flightId), scopeOf(principal));
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
    return { flight: completed!, registered };
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
    const filename = withoutControlCharacters(
      meta['X-Amz-Meta-Filename'] ?? meta['x-amz-meta-filename'] ?? objectKey.split('/').pop(),
    );
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
  ): Promise<{ listed: number; registered: number; requeued: number; ignored: number }> {
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
    for (const object of objects) {
      if (known.has(object.key)) continue;
      const outcome = await this.registerStoredObject(object.key, 'reconcile', undefined, scope);
      if (outcome.outcome === 'registered') registered++;
      if (outcome.outcome === 'ignored') ignored++;
    }
    // Re-adding alone is not enough: BullMQ ignores an id it still holds as a failed job.
    let requeued = 0;
    for (const image of await this.images.unfinished(prefix)) {
      if (!(await mine(image.flightId))) continue;
      const action = await this.recovery.recover(image, new Date(), true);
      if (action.kind === 'add' || action.kind === 'retry') requeued++;
    }
    return { listed: objects.length, registered, requeued, ignored };
  }

  private async registerStoredObject(
    objectKey: string,
    via: RegisteredVia,
    filename: string | undefined,
    scope: Scope | undefined,
  ): Promise<RegisterOutcome> {
    const parsed = parseObjectKey(objectKey);
    if (!parsed) return { objectKey, outcome: 'ignored', reason: 'key is not under flights/<flight id>/' };
    const flight = scope
      ? await this.flights.getInScope(parsed.flightId, scope)
      : await this.flights.get(parsed.flightId);
    if (!flight) return { objectKey, outcome: 'ignored', reason: `no flight ${parsed.flightId}` };
    const stat = await this.storage.statOriginal(objectKey);
    if (!stat) return { objectKey, outcome: 'ignored', reason: 'object does not exist' };
    // Content-addressed keys declare their hash (checked again by the worker); others are hashed now.
    const sha256 =
      parsed.declaredSha256 ??
      createHash('sha256')
        .update(await this.storage.getOriginal(objectKey))
        .digest('hex');
    const { image, created } = await this.register({
      objectKey,
      sha256,
      sizeBytes: stat.size,
      etag: stat.etag,
      filename: filename ?? objectKey.split('/').pop(),
      via,
    });
    return { objectKey, outcome: created ? 'registered' : 'already-registered', imageId: image.id };
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
