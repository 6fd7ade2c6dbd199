import type { FlightRepository } from '../repositories/flights.js';
import type { JobQueue } from '../repositories/queue.js';

/** Something that learns when a photo of a flight is finished with, for good or ill. */
export interface FlightSettlement {
  imageSettled(flightId: string): Promise<void>;
}

/**
 * Queues the merge of a flight's detections into findings once the flight is completed and none
 * of its photos is still waiting or in work. Called after every photo settles and on completion;
 * the job id is per flight, so the last two photos finishing at once still queue one merge.
 */
export class FindingsScheduler implements FlightSettlement {
  constructor(
    private readonly flights: FlightRepository,
    private readonly queue: JobQueue,
  ) {}

  async imageSettled(flightId: string): Promise<void> {
    const flight = await this.flights.get(flightId);
    if (!flight || flight.status !== 'completed') return;
    const counts = await this.flights.imageCounts(flightId);
    // A held photo waits for a person, not for the merge: it neither holds the merge back nor counts
    // as settled, so processing it later changes the count and queues a merge of its own.
    const pending = (counts.registered ?? 0) + (counts.queued ?? 0) + (counts.processing ?? 0);
    const settled = (counts.processed ?? 0) + (counts.failed ?? 0) + (counts.duplicate ?? 0);
    if (pending === 0) await this.queue.add('mergeFindings', { flightId, settled });
  }
}
