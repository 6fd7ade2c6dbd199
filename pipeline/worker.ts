/**
 * Worker entry point: inference pool plus BullMQ workers. Needs PostgreSQL (DATABASE_URL) and an S3
 * endpoint shared with the API; embedded PGlite lives inside one process, so single-box installs
 * run the worker inside the API instead (RUN_WORKER_IN_API=true, as `npm run demo` does).
 */
import { createServer, type Server } from 'node:http';
import { type Container, createContainer } from './container.js';
import { closeOnSignals, configOrExit, exitOnFailure } from './entry.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'hazardscope-worker');
  if (!config.DATABASE_URL || !config.S3_ENDPOINT) {
    // Embedded PGlite belongs to one process; a second one opening its files would corrupt them.
    logger.fatal(
      'a separate worker needs DATABASE_URL and S3_ENDPOINT shared with the API; with embedded defaults run the worker inside the API (RUN_WORKER_IN_API=true)',
    );
    process.exit(2);
  }
  const container = await createContainer(config, logger);
  await container.startWorker();
  container.startRecoverySweeper();
  const metricsServer = config.WORKER_METRICS_PORT ? serveMetrics(container, config.WORKER_METRICS_PORT) : undefined;
  closeOnSignals(logger, async () => {
    metricsServer?.close();
    await container.close();
  });
}

/**
 * The worker's own counters and histograms (jobs, inference) live in its process: Prometheus
 * scrapes each worker here. Plain node:http: one read-only route needs no framework.
 */
function serveMetrics(container: Container, port: number): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    container.metrics.text().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => res.writeHead(503, { 'content-type': 'text/plain' }).end(String(error)),
    );
  }).listen(port);
}

main().catch(exitOnFailure);
