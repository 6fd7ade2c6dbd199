/** What the training and model commands share: dates, who ran them, a quiet logger. */
import os from 'node:os';
import type { Config } from '../../pipeline/config.js';
import { createLogger, type Logger } from '../../pipeline/logger.js';

/**
 * `2025-03-01` (midnight UTC) or a full ISO 8601 time with its zone; anything else is refused
 * rather than guessed (a local-time reading would shift the window by the server's zone).
 */
export function parseWhen(text: string | undefined, option: string, problems: string[]): Date | undefined {
  if (text === undefined) return undefined;
  const ok =
    /^\d{4}-\d{2}-\d{2}$/.test(text) ||
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const date = new Date(text);
  if (!ok || Number.isNaN(date.getTime())) {
    problems.push(`--${option} must be a date (2025-03-01, UTC) or an ISO 8601 time with its zone, not "${text}"`);
    return undefined;
  }
  return date;
}

/** The audit trail's actor for a command: the person named, else the account that ran it. */
export function actorOf(by: string | undefined): string {
  if (by?.trim()) return `cli:${by.trim()}`;
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** Warnings and errors only, on stderr: the command prints what it did itself. */
export function commandLogger(config: Config): Logger {
  return createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'hazardscope-cli', 'stderr');
}

export function numberOption(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
  integer: boolean,
  problems: string[],
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
    problems.push(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not "${text}"`);
  return value;
}
