-- Indexes for the review queue's counts and for case lists sorted by severity or deadline, from
-- npm run bench:review (100,000 findings, 20,000 cases).

-- Every queue page counts the pending findings in reach per hazard and severity. With the columns
-- those counts always filter and group on in the index, they are an index-only scan in group order
-- instead of a visit to each of tens of thousands of rows. Only columns with few distinct values:
-- btree deduplication then keeps the index a few pages per organisation, small enough that the
-- planner prefers it to reading the table (a flight, site or score would make every entry unique).
DROP INDEX findings_queue_facets;
CREATE INDEX findings_queue_facets ON findings (organisation_id, hazard_code, class_name, severity, region_code, flown_by) WHERE status = 'pending';
-- The queue's own order, now also carrying those columns: counts under a minimum score read the
-- range of scores from it alone. Deduplication is moot here (every entry has its own id).
DROP INDEX findings_queue;
CREATE INDEX findings_queue ON findings (organisation_id, best_score DESC, id DESC) INCLUDE (hazard_code, class_name, severity, region_code, flown_by) WHERE status = 'pending';

-- The keys of the severity and dueAt sorts (CASE_SORTS in pipeline/repositories/cases.ts, the same
-- expressions): a page, and the page after a cursor, read the index in order and stop at the limit
-- instead of sorting all of the organisation's cases.
CREATE INDEX cases_organisation_severity ON cases (organisation_id, (CASE severity WHEN 'major' THEN 1 ELSE 0 END) DESC, created_at DESC, id DESC);
CREATE INDEX cases_organisation_due_order ON cases (organisation_id, coalesce(due_at, 'infinity'::timestamptz), id);
