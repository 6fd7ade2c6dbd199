import type { DecisionRequest } from '../domain/review.js';
import type { Principal } from '../domain/roles.js';
import { NotFoundError } from '../domain/errors.js';
import type { HazardClass } from '../inference/load.js';
import type { CaseRepository, CaseRow, ReviewRow } from '../repositories/cases.js';
import type { DetectionRepository, ReviewQueueItem } from '../repositories/detections.js';

export interface Cursor {
  score: number;
  id: string;
}

/** Human decisions on flagged detections; nothing becomes a case without one. */
export class ReviewService {
  constructor(
    private readonly detections: DetectionRepository,
    private readonly cases: CaseRepository,
    private readonly classes: readonly HazardClass[],
  ) {}

  async queue(options: { flightId?: string | undefined; limit: number; after?: Cursor | undefined }): Promise<{ items: ReviewQueueItem[]; next: Cursor | undefined }> {
    const items = await this.detections.reviewQueue({ ...options, limit: options.limit + 1 });
    const page = items.slice(0, options.limit);
    const last = page.at(-1);
    return { items: page, next: items.length > options.limit && last ? { score: last.detection.score, id: last.detection.id } : undefined };
  }

  async decide(detectionId: string, reviewer: Principal, request: DecisionRequest): Promise<{ review: ReviewRow; caseRow: CaseRow | undefined; alreadyRecorded: boolean }> {
    if (!(await this.detections.get(detectionId))) throw new NotFoundError(`no detection ${detectionId}`);
    const classes = this.classes;
    return this.cases.decide(detectionId, reviewer, request, classes.map((c) => c.name), (name) => {
      const cls = classes.find((c) => c.name === name)!;
      return { hazardCode: cls.hazardCode, severity: cls.severity };
    });
  }
}
