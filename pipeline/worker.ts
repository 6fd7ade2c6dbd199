/**
 * Worker entry point: inference pool plus BullMQ workers. Needs PostgreSQL (DATABASE_URL) and an S3
 * endpoint shared with the API; embedded PGlite lives inside one process, so single-box installs
 * run the worker inside the API instead (RUN_WORKER_IN_API=true, as `npm run demo` does).
 */
import { ConfigError, loadConfig } from './config.js';
import { createContainer } from './container.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL, 'hazardscope-worker');
  if (!config.DATABASE_URL || !config.S3_ENDPOINT) {
    logger.warn('a separate worker needs DATABASE_URL and S3_ENDPOINT shared with the API; with embedded defaults run the worker inside the API');
  }
  const container = await createContainer(config, logger);
  await container.startWorker();
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'worker shutting down: finishing active jobs');
    await container.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
