import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { loadConfig, ConfigError, type Config } from '../pipeline/config.js';
import { type Container, createContainer } from '../pipeline/container.js';
import { createLogger, type Logger } from '../pipeline/logger.js';
import { createApp } from './app.js';

export interface RunningApi {
  container: Container;
  server: Server;
  url: string;
  worker: { close(): Promise<void> } | undefined;
  close(): Promise<void>;
}

/** Builds the container, optionally the in-process worker, and listens. */
export async function startApi(config: Config, logger: Logger, options: { withWorker?: boolean } = {}): Promise<RunningApi> {
  const container = await createContainer(config, logger);
  const worker = options.withWorker ?? config.RUN_WORKER_IN_API ? await container.startWorker() : undefined;
  const app = createApp({
    services: container.services,
    readiness: container.readiness,
    manifest: container.manifest,
    logger: logger.child({ module: 'http' }),
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    checkResponses: config.NODE_ENV !== 'production',
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const url = config.PUBLIC_URL ?? `http://${config.HOST}:${address.port}`;
  logger.info({ url }, 'API listening');
  return {
    container,
    server,
    url,
    worker,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await container.close();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const api = await startApi(config, logger);
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await api.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
