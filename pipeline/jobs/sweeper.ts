import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { RecoveryService } from '../services/recovery.js';

/**
 * Runs the recovery sweep every `intervalMs` in this process. Every API and worker process starts
 * one, so recovery needs no extra service and survives any of them dying; the lease lets one of
 * them work per interval. A sweep that fails (the database or Redis is still down) is logged and
 * simply tried again next interval.
 */
export function startRecoverySweeper(
  recovery: Pick<RecoveryService, 'sweepIfFirst'>,
  intervalMs: number,
  logger: Logger,
): { close(): Promise<void> } {
  const holder = randomUUID();
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = (async () => {
      try {
        // The lease lasts just under an interval: each interval, whichever process asks first sweeps.
        await recovery.sweepIfFirst(holder, Math.max(1000, intervalMs - 100));
      } catch (error) {
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'recovery sweep failed; will retry',
        );
      } finally {
        running = undefined;
      }
    })();
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    close: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
