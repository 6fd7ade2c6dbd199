import { describe, expect, it } from 'vitest';
import { API_VERSION, apiRoutes } from '../../api/app.js';
import { defaultOperationId } from '../../api/contract.js';
import { buildOpenApi } from '../../api/openapi.js';
import { apiDocument } from '../../scripts/gen-api-types.js';

interface MediaType {
  schema?: unknown;
  example?: unknown;
}
interface Operation {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { description: string; content?: Record<string, MediaType> }>;
}

const document = apiDocument() as unknown as { paths: Record<string, Record<string, Operation>>; servers: unknown };
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
);
/** The contracts the document was made from, built without services (as scripts/gen-api-types.ts does). */
const absent = new Proxy({}, { get: () => expect.fail('building routes must not use their dependencies') }) as never;
const contracts = apiRoutes({ services: absent, readiness: absent, model: absent }).map((r) => r.contract);
const keyOf = (c: (typeof contracts)[number]) =>
  `${c.method.toUpperCase()} /api/v1${c.path.replace(/:([A-Za-z]+)/g, '{$1}')}`;
const isJson = (type: string) => type === 'application/json' || (type.endsWith('+json') && !type.includes('problem'));

describe('the API document', () => {
  it('when every operation is listed, then each has a unique camelCase operationId and a summary', () => {
    const ids = operations.map(({ op }) => op.operationId);
    for (const { key, op } of operations) {
      expect(op.operationId, key).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(op.summary?.trim(), key).toBeTruthy();
    }
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(repeated, 'operationIds used twice').toEqual([]);
  });

  it('when a route is declared without an operationId, then it gets the method and path in camelCase', () => {
    expect(defaultOperationId('get', '/flights/:flightId/images')).toBe('getFlightsByFlightIdImages');
    expect(defaultOperationId('post', '/ingest/s3-events')).toBe('postIngestS3Events');
    expect(defaultOperationId('put', '/cases/:caseId/attachments/:filename')).toBe(
      'putCasesByCaseIdAttachmentsByFilename',
    );
    expect(defaultOperationId('delete', '/findings/:findingId/lease')).toBe('deleteFindingsByFindingIdLease');
  });

  it('when an operation can refuse, then the refusals are listed as problem+json', () => {
    // The one exception: the older readiness probe answers its 503 in its own JSON shape.
    const ownShape = new Set(['GET /api/v1/ready 503']);
    const missing: string[] = [];
    for (const { key, op } of operations) {
      const contract = contracts.find((c) => keyOf(c) === key)!;
      const expected = ['500', '503'];
      if (op.security?.length) expected.push('401', '403');
      if (contract.params || contract.query || (contract.body && contract.body !== 'binary')) expected.push('400');
      for (const status of expected) if (!op.responses[status]) missing.push(`${key} ${status}`);
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || ownShape.has(`${key} ${status}`)) continue;
        expect(Object.keys(response.content ?? {}), `${key} ${status}`).toEqual(['application/problem+json']);
      }
    }
    expect(missing, 'refusals not listed').toEqual([]);
  });

  it('when a body or a JSON answer has an example, then the example passes its own schema', () => {
    const broken: string[] = [];
    for (const contract of contracts) {
      const key = keyOf(contract);
      if (contract.bodyExample !== undefined && contract.body && contract.body !== 'binary') {
        const result = contract.body.safeParse(contract.bodyExample);
        if (!result.success) broken.push(`${key} body: ${JSON.stringify(result.error.issues)}`);
      }
      for (const [status, response] of Object.entries(contract.responses)) {
        if (response.example === undefined) continue;
        if (!response.schema) {
          broken.push(`${key} ${status}: an example without a schema`);
          continue;
        }
        const result = response.schema.safeParse(response.example);
        if (!result.success) broken.push(`${key} ${status}: ${JSON.stringify(result.error.issues)}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('when an operation takes a JSON body or answers 2xx JSON, then the document shows an example of it', () => {
    const without: string[] = [];
    for (const { key, op } of operations) {
      const media = [
        ...Object.entries(op.requestBody?.content ?? {}).map(([type, m]) => ({ where: 'body', type, m })),
        ...Object.entries(op.responses)
          .filter(([status]) => status.startsWith('2'))
          .flatMap(([status, r]) => Object.entries(r.content ?? {}).map(([type, m]) => ({ where: status, type, m }))),
      ].filter(({ type }) => isJson(type));
      without.push(...media.filter(({ m }) => m.example === undefined).map(({ where }) => `${key} ${where}`));
    }
    expect(
      without,
      'bodies and answers without an example: give them `bodyExample` and `responses[status].example`',
    ).toEqual([]);
  });

  it('when PUBLIC_URL is set, then it is the server; without it, the server is the one that served the document', () => {
    const routes = apiRoutes({ services: absent, readiness: absent, model: absent });
    const published = buildOpenApi(routes, { version: API_VERSION, publicUrl: 'https://hazards.example.gov.cn/' });
    expect(published.servers).toEqual([{ url: 'https://hazards.example.gov.cn', description: 'PUBLIC_URL' }]);
    expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });
});
