import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Scope } from '../domain/scope.js';

/**
 * The SQL of "belongs to the caller's organisation and lies within their region". Region prefixes
 * are digits only (checked where they enter), so LIKE needs no escaping.
 */
export function inScopeSql(columns: { organisationId: PgColumn; regionCode: PgColumn }, scope: Scope): SQL {
  return and(
    eq(columns.organisationId, scope.organisationId),
    regionPrefixSql(columns.regionCode, scope.regionPrefix),
  )!;
}

export function regionPrefixSql(column: PgColumn, prefix: string): SQL | undefined {
  if (!/^\d*$/.test(prefix)) throw new Error(`region prefix ${JSON.stringify(prefix)} is not digits`);
  return prefix === '' ? undefined : sql`${column} LIKE ${`${prefix}%`}`;
}
