import { ConflictError, NotFoundError } from '../domain/errors.js';
import { failureCategory, type FailureCategory } from '../domain/failures.js';
import type { Principal } from '../domain/roles.js';
import { scopeOf } from '../domain/scope.js';
import type { OperationsSnapshot } from '../metrics.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { FindingRepository } from '../repositories/findings.js';
import type { FlightRepository } from '../repositories/flights.js';
import type { ImageRepository, ImageRow } from '../repositories/images.js';
import type { JobQueue } from '../repositories/queue.js';

interface OperationsServiceOptions {
  images: ImageRepository;
  findings: FindingRepository;
  flights: FlightRepository;
  queue: JobQueue;
  audit: AuditRepository;
  modelSha256: string;
  maxAutomaticRetries: number;
  now: () => Date;
}

interface FailedPhoto {
  imageId: string;
  flightId: string;
  flightName: string;
  filename: string | null;
  reason: string;
  category: FailureCategory;
  /** transient: retried automatically while retries are left; permanent: waits for a person. */
  kind: 'permanent' | 'transient' | null;
  automaticRetries: number;
  automaticRetriesLeft: number;
  failedAt: string | null;
  /** When a person chose to leave it failed ("retry all" skips it; retrying it alone still works). */
  discardedAt: string | null;
}

/** Most failed photos one answer lists; "retry all" works through every one of them. */
const FAILED_LIST_LIMIT = 500;

/**
 * The administrator's view of the pipeline: how much work waits and where, which photos failed
 * and why, and the buttons that act on them. Every action is audited. The same buttons on a flight
 * page pass `flightId`: they then act on that flight's photos only, for its operators too.
 */
export class OperationsService {
  private readonly options: OperationsServiceOptions;

  constructor(options: OperationsServiceOptions) {
    this.options = options;
  }

  /** Installation-wide figures for /metrics (no organisation's details, only counts). */
  async snapshot(): Promise<OperationsSnapshot> {
    const { queue, images, findings, now } = this.options;
    const [queues, imagesByStatus, backlog] = await Promise.all([
      queue.counts(),
      images.countByStatus(),
      findings.backlog(),
    ]);
    return {
      queues,
      imagesByStatus,
      reviewBacklog: {
        pending: backlog.pending,
        oldestAgeSeconds: backlog.oldest ? Math.max(0, (now().getTime() - backlog.oldest.getTime()) / 1000) : 0,
      },
    };
  }

  async overview(principal: Principal): Promise<{
    queues: Record<string, Record<string, number>>;
    failed: FailedPhoto[];
    failedByCategory: Partial<Record<FailureCategory, number>>;
  }> {
    const failed = (await this.options.images.failedInScope(scopeOf(principal), FAILED_LIST_LIMIT)).map((row) =>
      this.toFailedPhoto(row),
    );
    const failedByCategory: Partial<Record<FailureCategory, number>> = {};
    for (const f of failed) failedByCategory[f.category] = (failedByCategory[f.category] ?? 0) + 1;
    return { queues: await this.options.queue.counts(), failed, failedByCategory };
  }

  /** Puts one failed photo back in the queue, with its automatic retries restored. */
  async retry(principal: Principal, imageId: string, flightId?: string): Promise<void> {
    const image = await this.failedPhoto(principal, imageId, flightId);
    await this.requeue(principal, image);
  }

  /**
   * Every failed photo the caller may see (of one flight, given `flightId`) and nobody chose to
   * leave failed, back in the queue.
   */
  async retryAll(principal: Principal, flightId?: string): Promise<{ retried: number; leftDiscarded: number }> {
    const scope = scopeOf(principal);
    if (flightId !== undefined && !(await this.options.flights.getInScope(flightId, scope)))
      throw new NotFoundError(`no flight ${flightId}`);
    let retried = 0;
    let leftDiscarded = 0;
    for (const row of await this.options.images.failedInScope(scope, FAILED_LIST_LIMIT, flightId)) {
      if (row.discardedAt) leftDiscarded++;
      else if (await this.requeue(principal, row)) retried++;
    }
    return { retried, leftDiscarded };
  }

  /** Stops automatic retries of a failed photo: a person has seen it and let it be. */
  async discard(principal: Principal, imageId: string, note: string | undefined, flightId?: string): Promise<void> {
    const image = await this.failedPhoto(principal, imageId, flightId);
    const reason = `${image.failureReason ?? 'failed'} (left as failed by ${principal.name}${note ? `: ${note}` : ''})`;
    if (!(await this.options.images.discard(image.id, reason, this.options.now())))
      throw new ConflictError(`image ${imageId} is no longer failed`);
    await this.options.audit.append({
      actor: `${principal.role}:${principal.name}`,
      action: 'image.failure_discarded',
      subjectType: 'image',
      subjectId: image.id,
      detail: { flightId: image.flightId, reason: image.failureReason, note: note ?? null },
    });
  }

  private async failedPhoto(principal: Principal, imageId: string, flightId?: string): Promise<ImageRow> {
    const found = await this.options.images.getInScope(imageId, scopeOf(principal));
    // A photo seen only through a finding (another region's flight) is not this person's to retry.
    if (!found?.throughFlight || (flightId !== undefined && found.flightId !== flightId))
      throw new NotFoundError(`no image ${imageId}`);
    const { throughFlight: _, ...image } = found;
    if (image.status !== 'failed') throw new ConflictError(`image ${imageId} is ${image.status}, not failed`);
    return image;
  }

  private async requeue(principal: Principal, image: ImageRow): Promise<boolean> {
    if (!image.sha256) return false;
    if (!(await this.options.images.requeueByRequest(image.id))) return false;
    await this.options.queue.rerun('detect', {
      imageId: image.id,
      flightId: image.flightId,
      sha256: image.sha256,
      modelSha256: this.options.modelSha256,
    });
    await this.options.audit.append({
      actor: `${principal.role}:${principal.name}`,
      action: 'image.retry_requested',
      subjectType: 'image',
      subjectId: image.id,
      detail: { flightId: image.flightId, previousReason: image.failureReason },
    });
    return true;
  }

  private toFailedPhoto(row: ImageRow & { flightName: string }): FailedPhoto {
    const reason = row.failureReason ?? 'no reason was recorded';
    return {
      imageId: row.id,
      flightId: row.flightId,
      flightName: row.flightName,
      filename: row.originalFilename,
      reason,
      category: failureCategory(reason),
      kind: row.failureKind,
      automaticRetries: row.recoveryAttempts,
      automaticRetriesLeft:
        row.failureKind === 'transient' ? Math.max(0, this.options.maxAutomaticRetries - row.recoveryAttempts) : 0,
      failedAt: row.processedAt?.toISOString() ?? null,
      discardedAt: row.discardedAt?.toISOString() ?? null,
    };
  }
}
