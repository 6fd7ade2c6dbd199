import { NotFoundError } from '../domain/errors.js';
import type { CaseFilter, CaseRepository, CaseRow } from '../repositories/cases.js';

export class CaseQueryService {
  constructor(private readonly cases: CaseRepository) {}

  async list(filter: CaseFilter): Promise<{ items: CaseRow[]; next: { createdAt: Date; id: string } | undefined }> {
    const rows = await this.cases.list({ ...filter, limit: filter.limit + 1 });
    const items = rows.slice(0, filter.limit);
    const last = items.at(-1);
    return { items, next: rows.length > filter.limit && last ? { createdAt: last.createdAt, id: last.id } : undefined };
  }

  async get(id: string): Promise<CaseRow> {
    const row = await this.cases.get(id);
    if (!row) throw new NotFoundError(`no case ${id}`);
    return row;
  }
}
