import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The id of the request (or job) this code runs for, wherever it is: every log line written while
 * serving it carries the id, and so does an error answer, so a user's "it failed" can be found in
 * the logs by the id they were shown.
 */
const context = new AsyncLocalStorage<{ requestId: string }>();

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return context.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}
