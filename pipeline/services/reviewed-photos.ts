import { createHash } from 'node:crypto';
import { decidedWithin, labelOfDetection, labelOfMissedHazard, type TrainingLabel } from '../domain/training.js';
import type { DetectionState, RejectReason } from '../domain/review.js';
import type { ObjectStorage } from '../repositories/storage.js';
import type { PhotoRow, TrainingDataRepository, TrainingWindow } from '../repositories/training-data.js';

export type { PhotoRow, TrainingWindow } from '../repositories/training-data.js';

export interface LabelledBox {
  source: 'detection' | 'missed';
  id: string;
  box: [number, number, number, number];
  /** What the model called it, or the class the reviewer gave a missed hazard. */
  className: string;
  label: TrainingLabel;
  /** Decided (or marked) within the window asked for. */
  anchor: boolean;
  state: DetectionState | 'missed';
  reason: RejectReason | null;
  model: { name: string; version: string; sha256: string } | null;
}

export interface ReviewedPhoto extends PhotoRow {
  boxes: LabelledBox[];
}

/** An original that is gone from storage or no longer has the bytes it was uploaded with. */
export class OriginalUnavailableError extends Error {}

/**
 * A bureau's reviewed photos with what its reviewers said about each box on them (the training
 * export's input, and the ground truth a candidate model is scored on).
 */
export class ReviewedPhotoService {
  constructor(
    private readonly data: TrainingDataRepository,
    private readonly storage: ObjectStorage,
  ) {}

  list(window: TrainingWindow): Promise<PhotoRow[]> {
    return this.data.reviewedPhotos(window);
  }

  /** The photos with their labelled boxes, a batch of facts at a time. */
  async *labelled(photos: readonly PhotoRow[], window: TrainingWindow, batch = 50): AsyncGenerator<ReviewedPhoto> {
    for (let i = 0; i < photos.length; i += batch) {
      const chunk = photos.slice(i, i + batch);
      const facts = await this.data.facts(chunk.map((p) => p.id));
      for (const photo of chunk) {
        const boxes: LabelledBox[] = [];
        for (const d of facts.detections.get(photo.id) ?? []) {
          const label = labelOfDetection(d);
          if (label.kind === 'none') continue;
          boxes.push({
            source: 'detection',
            id: d.id,
            box: d.box,
            className: d.className,
            label,
            anchor: decidedWithin(d.decidedAt, window.since, window.until),
            state: d.state,
            reason: d.reason,
            model: d.model,
          });
        }
        for (const m of facts.marks.get(photo.id) ?? []) {
          boxes.push({
            source: 'missed',
            id: m.id,
            box: m.box,
            className: m.className,
            label: labelOfMissedHazard(m),
            anchor: decidedWithin(m.createdAt, window.since, window.until),
            state: 'missed',
            reason: null,
            model: null,
          });
        }
        yield { ...photo, boxes };
      }
    }
  }

  /** The original exactly as uploaded: anything else would put other pixels under the reviewers' labels. */
  async original(photo: PhotoRow): Promise<Buffer> {
    let bytes: Buffer;
    try {
      bytes = await this.storage.getOriginal(photo.objectKey);
    } catch (error) {
      throw new OriginalUnavailableError(`original ${photo.objectKey} cannot be read: ${(error as Error).message}`);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== photo.sha256)
      throw new OriginalUnavailableError(
        `original ${photo.objectKey} has sha256 ${sha256}, not the ${photo.sha256} it was uploaded with`,
      );
    return bytes;
  }
}
