import { NotFoundError } from '../domain/errors.js';
import { IMAGE_STATUSES, type ImageStatus } from '../domain/images.js';
import type { DetectionRepository } from '../repositories/detections.js';
import type { FlightRepository, FlightRow } from '../repositories/flights.js';
import type { ImageRepository, ImageRow } from '../repositories/images.js';

export interface FlightStatus {
  flight: FlightRow;
  images: Record<ImageStatus, number> & { total: number };
  /** True when the flight is completed and no image is waiting or being processed. */
  done: boolean;
  failures: Array<{ imageId: string; filename: string | null; reason: string | null }>;
  detections: Array<{ className: string; state: string; count: number }>;
}

export class FlightQueryService {
  constructor(
    private readonly flights: FlightRepository,
    private readonly imageRepository: ImageRepository,
    private readonly detections: DetectionRepository,
  ) {}

  async list(limit: number, before?: { createdAt: Date; id: string }): Promise<FlightRow[]> {
    return this.flights.list(limit, before);
  }

  async status(flightId: string): Promise<FlightStatus> {
    const flight = await this.flights.get(flightId);
    if (!flight) throw new NotFoundError(`no flight ${flightId}`);
    const counts = await this.flights.imageCounts(flightId);
    const images = Object.fromEntries(IMAGE_STATUSES.map((s) => [s, counts[s] ?? 0])) as Record<ImageStatus, number>;
    const total = Object.values(images).reduce((a, b) => a + b, 0);
    const pending = images.registered + images.queued + images.processing;
    return {
      flight,
      images: { ...images, total },
      done: flight.status === 'completed' && pending === 0,
      failures: await this.flights.failures(flightId),
      detections: await this.detections.countsByState(flightId),
    };
  }

  async images(flightId: string): Promise<ImageRow[]> {
    if (!(await this.flights.get(flightId))) throw new NotFoundError(`no flight ${flightId}`);
    return this.imageRepository.listByFlight(flightId);
  }
}
