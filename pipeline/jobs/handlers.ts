import type { DetectionService } from '../services/detect.js';
import type { FindingsService } from '../services/findings.js';
import type { Logger } from '../logger.js';
import type { FinalFailureHandlers, JobHandlers } from './registry.js';

/** Exactly one handler per registered job; start-up checks the table against the registry. */
export function createHandlers(services: { detection: DetectionService; findings: FindingsService }): JobHandlers {
  return {
    detect: async (payload) => {
      await services.detection.process(payload);
    },
    mergeFindings: async (payload) => {
      await services.findings.mergeFlight(payload.flightId);
    },
  };
}

export function createFinalFailureHandlers(dependencies: {
  detection: DetectionService;
  logger: Logger;
}): FinalFailureHandlers {
  return {
    detect: async (payload, reason, kind) => {
      await dependencies.detection.failedForGood(payload, reason, kind);
    },
    mergeFindings: async (payload, reason) => {
      // Nothing to mark: the detections stay, and reviewing them needs the merge; say so loudly.
      dependencies.logger.error(
        { flightId: payload.flightId, reason },
        'merging findings failed for good; re-run it with POST /api/v1/flights/{id}/findings/merge',
      );
    },
  };
}
