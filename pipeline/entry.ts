/** Shared start-up and shutdown for the process entry points (API, worker). */
import { type Config, ConfigError, loadConfig } from './config.js';
import type { Logger } from './logger.js';

/** Parses the environment; on invalid configuration prints every problem and exits with 2. */
export function configOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

/** On SIGTERM or SIGINT: log, close (finishing active jobs and requests), exit 0. */
export function closeOnSignals(logger: Logger, close: () => Promise<void>): void {
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    try {
      await close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: String(error) }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

export function exitOnFailure(error: unknown): never {
  console.error(error);
  process.exit(1);
}
