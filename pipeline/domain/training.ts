/**
 * Reviewer decisions as training labels: which decision says what about the pixels in a box, and
 * which flight goes to which split. Pure; shared by the training export and by scoring a model on
 * a bureau's reviewed photos, so both read the reviewers the same way.
 */
import type { DetectionState, RejectReason } from './review.js';

/**
 * - positive: a hazard of this class is in the box;
 * - negative: there is nothing of the class the model said (a hazard-free region);
 * - unknown: nobody has said what is there, or the reviewer said it could not be told; training
 *   must neither learn it as a hazard nor as background, so crops grey it out and scores ignore it;
 * - none: says nothing at all (a score below the threshold nobody was shown).
 */
export type TrainingLabel =
  { kind: 'positive'; className: string } | { kind: 'negative' } | { kind: 'unknown'; why: string } | { kind: 'none' };

export interface ReviewedDetection {
  state: DetectionState;
  className: string;
  /** The class a relabel named. */
  newClass: string | null;
  /** Why it was rejected, when it was. */
  reason: RejectReason | null;
}

/**
 * Only "false alarm: not what the model says" denies the object. The other reasons of a rejection
 * say the object is real and only the case is not wanted (no violation, a duplicate of another
 * finding, outside the bureau's reach): the detector was right about the pixels, and teaching it
 * that a real fire is background would make it miss the next one. An unclear photo, or "other",
 * says nothing certain either way.
 */
const REJECTION_LABELS: Readonly<Record<RejectReason, 'negative' | 'positive' | 'unknown'>> = {
  false_positive: 'negative',
  not_a_violation: 'positive',
  duplicate: 'positive',
  outside_scope: 'positive',
  unclear_image: 'unknown',
  other: 'unknown',
};

export function labelOfDetection(d: ReviewedDetection): TrainingLabel {
  switch (d.state) {
    case 'confirmed':
      return { kind: 'positive', className: d.className };
    case 'relabelled':
      return d.newClass
        ? { kind: 'positive', className: d.newClass }
        : { kind: 'unknown', why: 'relabelled without the new class recorded' };
    case 'rejected': {
      const label = d.reason ? REJECTION_LABELS[d.reason] : 'unknown';
      if (label === 'positive') return { kind: 'positive', className: d.className };
      if (label === 'negative') return { kind: 'negative' };
      return { kind: 'unknown', why: d.reason ? `rejected as ${d.reason}` : 'rejected without a reason' };
    }
    case 'flagged':
      return { kind: 'unknown', why: 'flagged, not decided' };
    case 'below_threshold':
      return { kind: 'none' };
  }
}

/** A box a reviewer drew around a hazard the model missed. */
export function labelOfMissedHazard(mark: { className: string }): TrainingLabel {
  return { kind: 'positive', className: mark.className };
}

/**
 * A label is only as good as the class list it is written against: a class the export's names do
 * not hold (a relabel to a class a newer model dropped) becomes an unknown region.
 */
export function withinClasses(label: TrainingLabel, names: readonly string[]): TrainingLabel {
  if (label.kind === 'positive' && !names.includes(label.className))
    return { kind: 'unknown', why: `class ${label.className} is not among the export's classes` };
  return label;
}

/** Whether a decision (or a missed-hazard mark) made at `at` falls in [since, until). */
export function decidedWithin(at: Date | null, since: Date, until: Date | null): boolean {
  return at !== null && at.getTime() >= since.getTime() && (until === null || at.getTime() < until.getTime());
}

export type Split = 'train' | 'val';

/**
 * By flight, never by photo: neighbouring photos of one flight show the same hazards from a few
 * metres apart, and a validation photo whose twin was trained on measures memory, not skill. The
 * hash is fixed (FNV-1a, then a finaliser that spreads its bits), so an export made again, or next
 * month with more flights, puts every flight where it was before.
 */
export function splitOf(flightId: string, valFraction: number): Split {
  return unitHash(flightId) < valFraction ? 'val' : 'train';
}

export function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}
