import { randomBytes } from 'node:crypto';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { afterAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../pipeline/db/client.js';
import { schema } from '../../pipeline/db/schema.js';
import { dropTestState, POSTGRES_URL } from './harness.js';

const opened: Array<{ handle: DatabaseHandle; schema: string; postgres: boolean }> = [];

afterAll(async () => {
  for (const o of opened) {
    await o.handle.close();
    if (o.postgres) await dropTestState(o.schema, `unused-${o.schema}`, true);
  }
});

async function columnsOf(handle: DatabaseHandle, schemaName: string): Promise<Map<string, Map<string, boolean>>> {
  const result = await handle.db.execute(
    `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = '${schemaName}' ORDER BY table_name, ordinal_position` as never,
  );
  const rows = ((result as { rows?: unknown[] }).rows ?? result) as Array<{
    table_name: string;
    column_name: string;
    is_nullable: string;
  }>;
  const tables = new Map<string, Map<string, boolean>>();
  for (const r of rows) {
    if (!tables.has(r.table_name)) tables.set(r.table_name, new Map());
    tables.get(r.table_name)!.set(r.column_name, r.is_nullable === 'NO');
  }
  return tables;
}

describe.each([
  ['PostgreSQL', true],
  ['PGlite', false],
])('database schema on %s', (_name, postgres) => {
  it('when the migrations have run, then every Drizzle table and column exists with the same nullability', async () => {
    const schemaName = `s_${randomBytes(5).toString('hex')}`;
    const handle = await openDatabase({
      url: postgres ? POSTGRES_URL : undefined,
      schema: schemaName,
      pgliteDir: undefined,
    });
    opened.push({ handle, schema: schemaName, postgres });
    const actual = await columnsOf(handle, schemaName);
    for (const table of Object.values(schema)) {
      const config = getTableConfig(table);
      const columns = actual.get(config.name);
      expect(columns, `table ${config.name}`).toBeDefined();
      const expected = new Map(config.columns.map((c) => [c.name, c.notNull]));
      expect(Object.fromEntries(columns!)).toEqual(Object.fromEntries(expected));
    }
  });

  it('when the audit log is changed or deleted, then the database refuses', async () => {
    const schemaName = `s_${randomBytes(5).toString('hex')}`;
    const handle = await openDatabase({
      url: postgres ? POSTGRES_URL : undefined,
      schema: schemaName,
      pgliteDir: undefined,
    });
    opened.push({ handle, schema: schemaName, postgres });
    await handle.exec(
      `INSERT INTO "${schemaName}".audit_log (actor, action, subject_type, subject_id) VALUES ('t', 'x', 'y', 'z')`,
    );
    await expect(handle.exec(`UPDATE "${schemaName}".audit_log SET actor = 'mallory'`)).rejects.toThrow(/append-only/);
    await expect(handle.exec(`DELETE FROM "${schemaName}".audit_log`)).rejects.toThrow(/append-only/);
  });
});
