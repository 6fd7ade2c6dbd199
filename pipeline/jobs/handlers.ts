import type { DetectionService } from '../services/detect.js';
import type { JobHandlers } from './registry.js';

/** Exactly one handler per registered job; start-up checks the table against the registry. */
export function createHandlers(services: { detection: DetectionService }): JobHandlers {
  return {
    detect: async (payload, context) => {
      await services.detection.process(payload, { number: context.attempt, final: context.final });
    },
  };
}
