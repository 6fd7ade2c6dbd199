import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'hazardscope'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
