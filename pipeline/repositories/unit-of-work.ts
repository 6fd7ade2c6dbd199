import type { Database } from '../db/client.js';

/** What a repository runs its statements on: the pool, or a transaction a service opened. */
export type Executor = Database;

declare const opened: unique symbol;

/**
 * A transaction opened by `withTransaction`. Branded so that a method which locks rows (`FOR
 * UPDATE` means nothing once an autocommitted statement ends) cannot be handed the pool by mistake.
 */
export type Transaction = Executor & { readonly [opened]: true };

export interface UnitOfWork {
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. Every
   * statement of the work must run on `tx`: PGlite has one connection, so a statement sent to the
   * pool meanwhile waits for this transaction to end, which waits for the statement.
   */
  withTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
}

export function unitOfWork(db: Database): UnitOfWork {
  return {
    withTransaction: (work) => db.transaction((tx) => work(tx as unknown as Transaction)),
  };
}

/**
 * Whether a statement failed on a unique index (SQLSTATE 23505), directly or as the cause Drizzle
 * wraps: how a transaction learns it lost a race to another writing the same key.
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } } | null;
  return e?.code === '23505' || e?.cause?.code === '23505';
}
