import pino, { type Logger } from 'pino';
import { currentRequestId } from './request-context.js';

export type { Logger };

/** `stderr` for command-line tools, whose standard output is their answer (and may be JSON). */
export function createLogger(level: string, name = 'hazardscope', to: 'stdout' | 'stderr' = 'stdout'): Logger {
  const options = {
    name,
    level,
    base: { pid: process.pid },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  };
  return to === 'stderr' ? pino(options, pino.destination({ fd: 2, sync: true })) : pino(options);
}
