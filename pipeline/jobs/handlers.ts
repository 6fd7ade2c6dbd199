import type { ImageRepository } from '../repositories/images.js';
import type { DetectionService } from '../services/detect.js';
import type { FinalFailureHandlers, JobHandlers } from './registry.js';

/** Exactly one handler per registered job; start-up checks the table against the registry. */
export function createHandlers(services: { detection: DetectionService }): JobHandlers {
  return {
    detect: async (payload) => {
      await services.detection.process(payload);
    },
  };
}

export function createFinalFailureHandlers(repositories: { images: ImageRepository }): FinalFailureHandlers {
  return {
    detect: async (payload, reason) => {
      await repositories.images.markFailedIfUnfinished(payload.imageId, `processing failed for good: ${reason}`);
    },
  };
}
