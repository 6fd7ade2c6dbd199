import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Config } from '../pipeline/config.js';
import { closeOnSignals, configOrExit, exitOnFailure } from '../pipeline/entry.js';
import { type Container, createContainer } from '../pipeline/container.js';
import { createLogger, type Logger } from '../pipeline/logger.js';
import { createApp } from './app.js';
import { answerClientErrorsAsProblems } from './client-errors.js';

export interface RunningApi {
  container: Container;
  server: Server;
  url: string;
  worker: { close(): Promise<void> } | undefined;
  close(): Promise<void>;
}

/** Builds the container, optionally the in-process worker, and listens. */
export async function startApi(
  config: Config,
  logger: Logger,
  options: { withWorker?: boolean } = {},
): Promise<RunningApi> {
  const container = await createContainer(config, logger);
  try {
    return await listen(container, config, logger, options);
  } catch (error) {
    await container.close();
    throw error;
  }
}

async function listen(
  container: Container,
  config: Config,
  logger: Logger,
  options: { withWorker?: boolean },
): Promise<RunningApi> {
  const worker = (options.withWorker ?? config.RUN_WORKER_IN_API) ? await container.startWorker() : undefined;
  container.startRecoverySweeper();
  container.startAuditCheckpoints();
  const app = createApp({
    services: container.services,
    readiness: container.readiness,
    model: container.model,
    logger: logger.child({ module: 'http' }),
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    webhookToken: config.INGEST_WEBHOOK_TOKEN,
    metrics: container.metrics,
    metricsToken: config.METRICS_TOKEN,
    publicUrl: config.PUBLIC_URL,
    checkResponses: config.NODE_ENV !== 'production',
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  answerClientErrorsAsProblems(server);
  const address = server.address() as AddressInfo;
  const url = config.PUBLIC_URL ?? `http://${config.HOST}:${address.port}`;
  container.database.announce(url);
  logger.info({ url }, 'API listening');
  return {
    container,
    server,
    url,
    worker,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Give requests in flight a moment, then cut slow uploads off rather than hang shutdown.
      const grace = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearTimeout(grace);
      await container.close();
    },
  };
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  const api = await startApi(config, logger);
  closeOnSignals(logger, () => api.close());
}

if (import.meta.url === `file://${process.argv[1]}`) main().catch(exitOnFailure);
