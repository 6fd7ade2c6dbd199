import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { CASE_STATUSES } from '../../pipeline/domain/cases.js';
import { CASE_SORTS, type CaseSort } from '../../pipeline/repositories/cases.js';
import { ATTACHMENT_TYPES, type CaseQuery } from '../../pipeline/services/cases.js';
import { route } from '../contract.js';
import { HttpProblem } from '../middleware/problem.js';
import {
  ATTACHMENT_EXAMPLE,
  CASE_DETAIL_EXAMPLE,
  CASE_EVENT_EXAMPLE,
  CASE_EXAMPLE,
  CASE_SUMMARY_EXAMPLE,
  CASES_GEOJSON_EXAMPLE,
  CASES_PAGE_EXAMPLE,
  TRANSITION_BODY_EXAMPLE,
} from '../schemas/case-examples.js';
import {
  Crs,
  Cursor,
  decodeCursor,
  encodeCursor,
  GEOJSON_TYPE,
  GeoJsonCollection,
  Limit,
  FileName,
  problemResponses,
  Timestamp,
  Uuid,
} from '../schemas/common.js';
import { SITE_REF_EXAMPLE } from '../schemas/examples.js';
import {
  Attachment,
  Case,
  CaseDetail,
  CaseEvent,
  CaseSummary,
  CaseTransition,
  RegionPrefix,
} from '../schemas/resources.js';
import { SiteRef } from '../schemas/sites.js';
import { toAttachment, toCase, toCaseDetail, toCaseEvent } from '../serialize.js';

const READERS = ['regulator', 'reviewer', 'admin'] as const;
const REGULATORS = ['regulator'] as const;
const CaseParams = z.object({ caseId: Uuid }).strict();
const CaseCursor = z.object({ sort: z.string(), values: z.array(z.union([z.string(), z.number()])), id: Uuid });

/** The filters every case query takes: the list, the summary and the exports answer for the same cases. */
const caseFilters = {
  region: RegionPrefix.optional().describe('Cases in this province, city or county (within your own region)'),
  siteId: Uuid.optional(),
  flightId: Uuid.optional(),
  flight: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('Found by a flight whose name contains this (any case)'),
  enterprise: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe("The liable site's name or credit code contains this (any case)"),
  hazardCode: z.string().min(1).max(100).optional().describe('Cases holding a finding of this hazard'),
  severity: z.enum(['major', 'general']).optional(),
  status: z
    .string()
    .max(200)
    .transform((v) => v.split(',').map((s) => s.trim()))
    .pipe(z.array(z.enum(CASE_STATUSES)).min(1))
    .optional()
    .describe(`One status or several, comma-separated: ${CASE_STATUSES.join(', ')}`),
  overdue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  from: Timestamp.optional().describe('Filed at or after'),
  to: Timestamp.optional().describe('Filed at or before'),
  bbox: z
    .string()
    .max(200)
    .transform((v) => v.split(',').map(Number))
    .pipe(
      z
        .tuple([
          z.number().min(-180).max(180),
          z.number().min(-90).max(90),
          z.number().min(-180).max(180),
          z.number().min(-90).max(90),
        ])
        .refine(([w, s, e, n]) => w <= e && s <= n, 'west ≤ east and south ≤ north'),
    )
    .optional()
    .describe('west,south,east,north in WGS-84 degrees'),
  reference: z
    .string()
    .regex(/^(HS-)?\d{1,12}$/i, 'a case reference such as HS-000123')
    .transform((v) => Number(v.replace(/^HS-/i, '')))
    .optional(),
};
const FilterQuery = z.object(caseFilters).strict();

function queryOf(q: z.infer<typeof FilterQuery>): CaseQuery {
  return {
    region: q.region,
    siteId: q.siteId,
    flightId: q.flightId,
    flightName: q.flight,
    enterprise: q.enterprise,
    hazardCode: q.hazardCode,
    severity: q.severity,
    statuses: q.status,
    overdue: q.overdue,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    bbox: q.bbox,
    number: q.reference,
  };
}

const SORTS = Object.keys(CASE_SORTS) as [CaseSort, ...CaseSort[]];

function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function caseRoutes(services: Services) {
  return [
    route(
      {
        method: 'get',
        path: '/cases',
        operationId: 'listCases',
        summary: 'Enforcement cases in your organisation and region, with filters, a sort order and cursor pages',
        tags: ['cases'],
        roles: READERS,
        query: z
          .object({
            ...caseFilters,
            sort: z
              .enum(SORTS)
              .default('-createdAt')
              .describe(
                '-createdAt (newest first), createdAt, -updatedAt, dueAt (soonest deadline first), severity (major first)',
              ),
            limit: Limit,
            cursor: Cursor.optional(),
          })
          .strict(),
        responses: {
          200: {
            description: 'A page of cases',
            schema: z.object({ items: z.array(Case), nextCursor: z.string().nullable() }),
            example: CASES_PAGE_EXAMPLE,
          },
          422: { description: 'A cursor that does not fit the sort' },
          ...problemResponses,
        },
      },
      async ({ query, principal }) => {
        const cursor = decodeCursor(query.cursor, CaseCursor);
        if (cursor && cursor.sort !== query.sort)
          throw new HttpProblem(400, 'Bad Request', 'the cursor belongs to another sort order', [
            {
              location: 'query',
              path: 'cursor',
              message: `the cursor is for sort=${cursor.sort}`,
              code: 'invalid_cursor',
            },
          ]);
        const page = await services.cases.list(
          principal,
          queryOf(query),
          query.sort,
          query.limit,
          cursor && { values: cursor.values, id: cursor.id },
        );
        return {
          status: 200,
          body: {
            items: page.items.map(toCase),
            nextCursor: page.next ? encodeCursor({ sort: query.sort, ...page.next }) : null,
          },
        };
      },
    ),
    route(
      {
        method: 'get',
        path: '/cases/summary',
        operationId: 'getCaseSummary',
        summary: 'Counts of the matching cases by status, hazard, region and month of filing, and how many are overdue',
        tags: ['cases'],
        roles: READERS,
        query: FilterQuery,
        responses: {
          200: { description: 'Counts', schema: CaseSummary, example: CASE_SUMMARY_EXAMPLE },
          ...problemResponses,
        },
      },
      async ({ query, principal }) => ({ status: 200, body: await services.cases.summary(principal, queryOf(query)) }),
    ),
    route(
      {
        method: 'get',
        path: '/cases/export.csv',
        operationId: 'exportCasesCsv',
        summary: 'The matching cases as CSV (UTF-8 with a BOM, for spreadsheets), newest first; audited',
        tags: ['cases'],
        roles: READERS,
        query: FilterQuery,
        responses: { 200: { description: 'CSV', contentType: 'text/csv' }, ...problemResponses },
      },
      async ({ query, principal }) => {
        const { csv, rows, truncated } = await services.cases.exportCsv(principal, queryOf(query));
        return {
          status: 200,
          binary: { data: Buffer.from(csv, 'utf8'), contentType: 'text/csv; charset=utf-8' },
          headers: {
            'Content-Disposition': contentDisposition(`cases-${new Date().toISOString().slice(0, 10)}.csv`),
            'X-Total-Rows': String(rows),
            ...(truncated ? { 'X-Truncated': 'true' } : {}),
          },
        };
      },
    ),
    route(
      {
        method: 'get',
        path: '/cases/export.geojson',
        operationId: 'exportCasesGeoJson',
        summary:
          'The matching cases that have a position, as GeoJSON points (?crs=gcj02 for Chinese base maps); audited',
        tags: ['cases', 'geo'],
        roles: READERS,
        query: z.object({ ...caseFilters, crs: Crs }).strict(),
        responses: {
          200: {
            description: 'FeatureCollection',
            schema: GeoJsonCollection,
            contentType: GEOJSON_TYPE,
            example: CASES_GEOJSON_EXAMPLE,
          },
          ...problemResponses,
        },
      },
      async ({ query, principal }) => {
        const { collection, truncated } = await services.cases.exportGeoJson(principal, queryOf(query), {
          crs: query.crs,
        });
        return {
          status: 200,
          headers: { 'content-type': GEOJSON_TYPE, ...(truncated ? { 'X-Truncated': 'true' } : {}) },
          body: collection,
        };
      },
    ),
    route(
      {
        method: 'get',
        path: '/cases/geojson',
        operationId: 'getCasesGeoJson',
        summary:
          'The matching cases with a position, newest first, as GeoJSON points for a map (like the list, not an export)',
        tags: ['cases', 'geo'],
        roles: READERS,
        query: z
          .object({ ...caseFilters, crs: Crs, limit: z.coerce.number().int().min(1).max(5000).default(2000) })
          .strict(),
        responses: {
          200: {
            description: 'FeatureCollection (X-Truncated: true when more cases match than the limit)',
            schema: GeoJsonCollection,
            contentType: GEOJSON_TYPE,
            example: CASES_GEOJSON_EXAMPLE,
          },
          ...problemResponses,
        },
      },
      async ({ query, principal }) => {
        const { collection, truncated } = await services.cases.mapPoints(
          principal,
          queryOf(query),
          { crs: query.crs },
          query.limit,
        );
        return {
          status: 200,
          headers: { 'content-type': GEOJSON_TYPE, ...(truncated ? { 'X-Truncated': 'true' } : {}) },
          body: collection,
        };
      },
    ),
    route(
      {
        method: 'get',
        path: '/cases/:caseId',
        operationId: 'getCase',
        summary: 'A case with its findings, views, reviews, history and attachments (viewing it is audited)',
        tags: ['cases'],
        roles: READERS,
        params: CaseParams,
        responses: {
          200: { description: 'Case', schema: CaseDetail, example: CASE_DETAIL_EXAMPLE },
          404: { description: 'No such case' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => ({
        status: 200,
        body: toCaseDetail(await services.cases.detail(principal, params.caseId), principal),
      }),
    ),
    route(
      {
        method: 'post',
        path: '/cases/:caseId/transitions',
        operationId: 'transitionCase',
        summary:
          'Move a case along its lifecycle: filed → notified → rectification_due (deadline) → rectified (evidence) → verified → closed, or dismissed (reason)',
        tags: ['cases'],
        roles: REGULATORS,
        params: CaseParams,
        body: CaseTransition,
        bodyExample: TRANSITION_BODY_EXAMPLE,
        responses: {
          200: {
            description: 'Moved',
            schema: z.object({ case: Case, event: CaseEvent }),
            example: { case: CASE_EXAMPLE, event: CASE_EVENT_EXAMPLE },
          },
          404: { description: 'No such case' },
          409: { description: 'The lifecycle does not allow this step from the current status' },
          422: { description: 'A deadline, reason, evidence or site is missing' },
          ...problemResponses,
        },
      },
      async ({ params, body, principal }) => {
        const { item, event } = await services.cases.transition(principal, params.caseId, {
          ...body,
          dueAt: body.dueAt ? new Date(body.dueAt) : undefined,
        });
        return { status: 200, body: { case: toCase(item), event: toCaseEvent(event) } };
      },
    ),
    route(
      {
        method: 'post',
        path: '/cases/:caseId/site',
        operationId: 'assignCaseSite',
        summary: 'Name the liable site of a case (before the enterprise is notified)',
        tags: ['cases'],
        roles: REGULATORS,
        params: CaseParams,
        body: z.object({ siteId: Uuid, note: z.string().max(2000).optional() }).strict(),
        bodyExample: {
          siteId: SITE_REF_EXAMPLE.id,
          note: '烟雾位于该企业储罐区围墙内 (the smoke rises inside the works’ tank-farm wall)',
        },
        responses: {
          200: {
            description: 'Assigned',
            schema: z.object({ caseId: Uuid, siteId: Uuid }),
            example: { caseId: CASE_EXAMPLE.id, siteId: SITE_REF_EXAMPLE.id },
          },
          404: { description: 'No such case' },
          409: { description: 'Already notified' },
          422: { description: 'No such site' },
          ...problemResponses,
        },
      },
      async ({ params, body, principal }) => {
        const row = await services.cases.assignSite(principal, params.caseId, body.siteId, body.note);
        return { status: 200, body: { caseId: row.id, siteId: row.siteId! } };
      },
    ),
    route(
      {
        method: 'get',
        path: '/cases/:caseId/site-candidates',
        operationId: 'listCaseSiteCandidates',
        summary:
          "Sites that could be named liable for a case: your organisation's sites in your region, nearest the case's position first",
        tags: ['cases', 'sites'],
        roles: READERS,
        params: CaseParams,
        query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }).strict(),
        responses: {
          200: {
            description: 'Sites with their distance from the case (0 when the case lies inside the outline)',
            schema: z.object({
              items: z.array(
                z.object({
                  site: SiteRef.extend({ industry: z.string() }),
                  distanceM: z
                    .number()
                    .min(0)
                    .nullable()
                    .describe('Metres from the case to the outline; null when the case has no position'),
                }),
              ),
            }),
            example: {
              items: [
                {
                  site: {
                    id: '3f6d2c1e-8b4a-4f7e-9c2d-5a1b0e9f8d7c',
                    name: '郑州示范化工有限公司',
                    creditCode: '91410105MA9F5G8X1A',
                    regionCode: '410105',
                    industry: 'chemicals',
                  },
                  distanceM: 0,
                },
                {
                  site: {
                    id: '9b2e7c4a-1d3f-4e5a-8c6b-0f1e2d3c4b5a',
                    name: '郑州东区物流有限公司',
                    creditCode: '91410105MA9F5G9Y2B',
                    regionCode: '410105',
                    industry: 'logistics',
                  },
                  distanceM: 420,
                },
              ],
            },
          },
          404: { description: 'No such case' },
          ...problemResponses,
        },
      },
      async ({ params, query, principal }) => {
        const candidates = await services.cases.siteCandidates(principal, params.caseId, query.limit);
        return {
          status: 200,
          body: {
            items: candidates.map(({ site, distanceM }) => ({
              site: {
                id: site.id,
                name: site.name,
                creditCode: site.creditCode,
                regionCode: site.regionCode,
                industry: site.industry,
              },
              distanceM: distanceM === null ? null : Math.round(distanceM),
            })),
          },
        };
      },
    ),
    route(
      {
        method: 'put',
        path: '/cases/:caseId/attachments/:filename',
        operationId: 'uploadCaseAttachment',
        summary:
          'Attach a file the enterprise gave as evidence (JPEG, PNG or PDF, the body is the file); reference it when moving to rectified',
        tags: ['cases'],
        roles: REGULATORS,
        params: z.object({ caseId: Uuid, filename: FileName }).strict(),
        body: 'binary',
        binaryTypes: ATTACHMENT_TYPES,
        responses: {
          201: { description: 'Stored', schema: Attachment, example: ATTACHMENT_EXAMPLE },
          200: { description: 'These bytes were already attached', schema: Attachment, example: ATTACHMENT_EXAMPLE },
          404: { description: 'No such case' },
          409: { description: 'The case is closed or dismissed' },
          413: { description: 'Too large' },
          415: { description: 'Not JPEG, PNG or PDF' },
          422: { description: 'The bytes are not of the declared type' },
          ...problemResponses,
        },
      },
      async ({ params, raw, contentType, principal }) => {
        const { attachment, created } = await services.cases.addAttachment(
          principal,
          params.caseId,
          params.filename,
          raw!,
          contentType!,
        );
        return { status: created ? 201 : 200, body: toAttachment(attachment) };
      },
    ),
    route(
      {
        method: 'get',
        path: '/cases/:caseId/evidence.zip',
        operationId: 'getCaseEvidence',
        summary:
          'The evidence bundle: original photos as uploaded, crops, capture metadata, model, reviews, audit entries, a printable report, a manifest of sha256 and its Ed25519 signature (audited)',
        tags: ['cases', 'evidence'],
        roles: ['regulator', 'admin'],
        params: CaseParams,
        responses: {
          200: {
            description: 'ZIP archive; check it with `hazardscope verify-evidence FILE.zip`',
            contentType: 'application/zip',
          },
          404: { description: 'No such case' },
          409: { description: 'An original is missing from storage, or the files are too large for one bundle' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        const { filename, chunks } = await services.evidence.export(principal, params.caseId);
        return {
          status: 200,
          stream: { chunks, contentType: 'application/zip' },
          headers: { 'Content-Disposition': contentDisposition(filename), 'Cache-Control': 'no-store' },
        };
      },
    ),
    route(
      {
        method: 'get',
        path: '/cases/:caseId/attachments/:attachmentId',
        operationId: 'getCaseAttachment',
        summary: 'An attached file, exactly as given (audited)',
        tags: ['cases'],
        roles: READERS,
        params: z.object({ caseId: Uuid, attachmentId: Uuid }).strict(),
        responses: {
          200: { description: 'The file', contentType: 'application/octet-stream' },
          404: { description: 'No such case or attachment' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        const { attachment, data } = await services.cases.attachmentContent(
          principal,
          params.caseId,
          params.attachmentId,
        );
        return {
          status: 200,
          binary: { data, contentType: attachment.contentType },
          headers: { 'Content-Disposition': contentDisposition(attachment.filename) },
        };
      },
    ),
  ];
}
