import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FailureCategory } from './domain/failures.js';

/**
 * What an operator graphs and alerts on (Prometheus text format, GET /metrics). Counters and
 * histograms are recorded where the work happens; the gauges of queues, photos and the review
 * backlog are read from Redis and the database when scraped, so every process reports the same
 * truth however many of them run.
 */
export interface OperationsSnapshot {
  queues: Record<string, Record<string, number>>;
  imagesByStatus: Record<string, number>;
  reviewBacklog: { pending: number; oldestAgeSeconds: number };
}

const SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly jobDuration: Histogram<'job' | 'outcome'>;
  readonly inferenceDuration: Histogram;
  readonly photosProcessed: Counter;
  readonly photosFailed: Counter<'reason'>;
  readonly recoveryActions: Counter<'action'>;

  constructor(options: { snapshot?: () => Promise<OperationsSnapshot> } = {}) {
    // Includes nodejs_eventloop_lag_seconds: the event loop's health is /health's latency.
    collectDefaultMetrics({ register: this.registry, prefix: 'hazardscope_' });
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'hazardscope_http_request_duration_seconds',
      help: 'HTTP requests by route template, method and status',
      labelNames: ['method', 'route', 'status'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'hazardscope_job_duration_seconds',
      help: 'Jobs from start to end in a worker, by job and outcome',
      labelNames: ['job', 'outcome'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.inferenceDuration = new Histogram({
      name: 'hazardscope_inference_duration_seconds',
      help: 'Detection on one photo: decoding, every tile and the merge',
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.photosProcessed = new Counter({
      name: 'hazardscope_photos_processed_total',
      help: 'Photos whose detections were stored',
      registers,
    });
    this.photosFailed = new Counter({
      name: 'hazardscope_photos_failed_total',
      help: 'Photo jobs that failed for good, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.recoveryActions = new Counter({
      name: 'hazardscope_recovery_actions_total',
      help: 'What the recovery sweeper did: add (job lost), retry, record-failure',
      labelNames: ['action'],
      registers,
    });
    const { snapshot } = options;
    if (!snapshot) return;
    // One read per scrape feeds every gauge below.
    let pending: Promise<OperationsSnapshot> | undefined;
    const read = () => {
      pending ??= snapshot().finally(() => {
        setTimeout(() => (pending = undefined), 1000).unref();
      });
      return pending;
    };
    new Gauge({
      name: 'hazardscope_queue_jobs',
      help: 'Jobs in each queue by state (waiting, active, delayed, failed, completed)',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const [queue, states] of Object.entries((await read()).queues))
          for (const [state, count] of Object.entries(states)) this.set({ queue, state }, count);
      },
    });
    new Gauge({
      name: 'hazardscope_photos',
      help: 'Photos by status (registered, queued, processing, processed, failed, duplicate, held)',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        for (const [status, count] of Object.entries((await read()).imagesByStatus)) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'hazardscope_review_backlog',
      help: 'Findings waiting for a reviewer',
      registers,
      async collect() {
        this.set((await read()).reviewBacklog.pending);
      },
    });
    new Gauge({
      name: 'hazardscope_review_oldest_pending_seconds',
      help: 'Age of the oldest finding waiting for a reviewer (0 when none waits)',
      registers,
      async collect() {
        this.set((await read()).reviewBacklog.oldestAgeSeconds);
      },
    });
  }

  failed(reason: FailureCategory): void {
    this.photosFailed.inc({ reason });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
