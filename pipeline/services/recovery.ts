import { planRecovery, type RecoveryAction, type RecoveryPolicy } from '../domain/recovery.js';
import type { Logger } from '../logger.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { FlightRepository } from '../repositories/flights.js';
import type { ImageRepository, ImageRow } from '../repositories/images.js';
import type { JobQueue } from '../repositories/queue.js';
import type { FindingsService } from './findings.js';
import type { FlightSettlement } from './findings-scheduler.js';

interface RecoveryServiceOptions {
  images: ImageRepository;
  flights: FlightRepository;
  findings: FindingsService;
  queue: JobQueue;
  settlement: FlightSettlement;
  audit: AuditRepository;
  /** The active model: a re-added job runs on it. */
  modelSha256: string;
  policy: RecoveryPolicy;
  /** Photos looked at per sweep (oldest first); the rest wait for the next one. */
  batchSize: number;
  now: () => Date;
  logger: Logger;
  /** Told of every action taken (metrics). */
  onAction?: (kind: Exclude<RecoveryAction['kind'], 'none'>) => void;
}

interface SweepReport {
  examined: number;
  added: number;
  retried: number;
  failuresRecorded: number;
  mergesRerun: number;
}

/** Completed flights older than this are not searched for lost merges. */
const MERGE_LOOKBACK_DAYS = 7;
/** A merge that failed for good is tried again at most this often. */
const MERGE_RETRY_INTERVAL_MS = 10 * 60_000;

/**
 * Brings the database and the queue back into agreement after an outage, with no one asking:
 * photos whose job was lost are queued again, failures the database could not hear of are
 * recorded, photos that failed for a passing reason are retried (a bounded number of times), and
 * flights whose merge into findings was lost are merged. Every step is idempotent, so any number
 * of processes may run it; a lease in Redis keeps them from doing the same work at once.
 */
export class RecoveryService {
  private readonly options: RecoveryServiceOptions;

  constructor(options: RecoveryServiceOptions) {
    this.options = options;
  }

  /**
   * Sweeps unless another process holds this interval's lease (so N processes sweep once per
   * interval); undefined when it did not sweep.
   */
  async sweepIfFirst(holder: string, leaseMs: number): Promise<SweepReport | undefined> {
    if (!(await this.options.queue.tryLease('recovery-sweep', holder, leaseMs))) return undefined;
    return this.sweep();
  }

  async sweep(): Promise<SweepReport> {
    const { images, policy, batchSize, now } = this.options;
    const report: SweepReport = { examined: 0, added: 0, retried: 0, failuresRecorded: 0, mergesRerun: 0 };
    for (const image of await images.needingRecovery(policy.maxAttempts, batchSize)) {
      report.examined++;
      let action: RecoveryAction;
      try {
        action = await this.recover(image, now());
      } catch (error) {
        // One photo that cannot be recovered now must not stop the others; the next sweep retries.
        this.options.logger.error({ imageId: image.id, err: String(error) }, 'could not recover a photo');
        continue;
      }
      if (action.kind === 'add') report.added++;
      if (action.kind === 'retry') report.retried++;
      if (action.kind === 'record-failure') report.failuresRecorded++;
    }
    report.mergesRerun = await this.rerunLostMerges();
    if (report.added + report.retried + report.failuresRecorded + report.mergesRerun > 0)
      this.options.logger.info(report, 'recovery sweep put work back on track');
    return report;
  }

  /**
   * One photo: what the sweeper would do, done now. `force` skips the grace period and backoff
   * (a person asked, through reconcile).
   */
  async recover(image: ImageRow, at: Date, force = false): Promise<RecoveryAction> {
    const { queue, images, policy } = this.options;
    const payload = this.payloadOf(image);
    const job = await queue.inspect('detect', payload);
    const action = planRecovery(
      {
        status: image.status,
        failureKind: image.failureKind,
        recoveryAttempts: image.recoveryAttempts,
        createdAt: image.createdAt,
        failedAt: image.status === 'failed' ? image.processedAt : null,
        lastRecoveryAt: image.lastRecoveryAt,
      },
      job,
      at,
      force ? { ...policy, graceMs: 0, backoffMs: 0 } : policy,
    );
    switch (action.kind) {
      case 'none':
        return action;
      case 'add':
        await queue.add('detect', payload);
        if (image.status === 'registered') await images.markQueued(image.id);
        break;
      case 'retry':
        // The status guard makes one sweeper the winner; only it touches the job.
        if (!(await images.requeueForRecovery(image.id, image.status, at))) return { kind: 'none' };
        await queue.rerun('detect', payload);
        break;
      case 'record-failure':
        if (await images.markFailedIfUnfinished(image.id, `processing failed: ${action.reason}`, action.failureKind))
          await this.options.settlement.imageSettled(image.flightId);
        break;
    }
    this.options.onAction?.(action.kind);
    this.options.logger.warn(
      { imageId: image.id, flightId: image.flightId, action: action.kind, reason: action.reason },
      'recovered a photo',
    );
    await this.options.audit.append({
      actor: 'system:recovery',
      action: `image.recovery.${action.kind}`,
      subjectType: 'image',
      subjectId: image.id,
      detail: { flightId: image.flightId, reason: action.reason, attempt: image.recoveryAttempts + 1 },
    });
    return action;
  }

  private async rerunLostMerges(): Promise<number> {
    const { flights, findings, queue, now } = this.options;
    let rerun = 0;
    for (const { flightId, settled } of await flights.awaitingMerge(MERGE_LOOKBACK_DAYS, 100)) {
      const payload = { flightId, settled };
      const job = await queue.inspect('mergeFindings', payload);
      const lost = job === undefined;
      const failedLongEnough =
        job?.state === 'failed' &&
        (job.finishedOn === undefined || now().getTime() - job.finishedOn.getTime() >= MERGE_RETRY_INTERVAL_MS);
      if (!lost && !failedLongEnough) continue;
      // Detections of classes held back stay unmerged on purpose: not a lost merge.
      if (!(await findings.needsMerge(flightId))) continue;
      await queue.rerun('mergeFindings', payload);
      this.options.logger.warn({ flightId, settled, was: job?.state ?? 'lost' }, 'merging findings again');
      rerun++;
    }
    return rerun;
  }

  private payloadOf(image: ImageRow) {
    if (!image.sha256) throw new Error(`image ${image.id} has no sha256; it cannot have been queued`);
    return { imageId: image.id, flightId: image.flightId, sha256: image.sha256, modelSha256: this.options.modelSha256 };
  }
}
