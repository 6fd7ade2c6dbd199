import pino, { type Logger } from 'pino';

export type { Logger };

/** `stderr` for command-line tools, whose standard output is their answer (and may be JSON). */
export function createLogger(level: string, name = 'hazardscope', to: 'stdout' | 'stderr' = 'stdout'): Logger {
  const options = { name, level, base: { pid: process.pid } };
  return to === 'stderr' ? pino(options, pino.destination({ fd: 2, sync: true })) : pino(options);
}
