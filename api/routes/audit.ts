import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { route } from '../contract.js';
import { Cursor, decodeCursor, encodeCursor, problemResponses, Sha256, Timestamp } from '../schemas/common.js';

const AuditCheckpoint = z.object({
  key: z.string().describe('Where it is stored in the audit bucket; also the path it is exported under'),
  document: z
    .string()
    .describe(
      'The checkpoint exactly as stored: save it as it is, `hazardscope audit verify --checkpoints DIR` reads it',
    ),
  genuine: z.boolean().describe('Whether its signature verifies with one of the agency’s keys'),
  problem: z.string().nullable().describe('Why it is not genuine'),
  entries: z.number().int().nullable().describe('Chained audit entries it vouches for'),
  headHash: Sha256.nullable(),
  signedAt: Timestamp.nullable(),
  keyId: Sha256.nullable(),
});

// An example for the API document (test/contract/openapi.test.ts checks it against the schema):
// a real checkpoint, signed with a throwaway key, so its signature and key id do verify.
const CHECKPOINT_EXAMPLE = {
  key: 'audit-checkpoints/2026/12/06/20261206T020000.412Z-000000048213-9f2e6d33a3717ee8.json',
  document:
    '{"at":"2026-12-06T02:00:05.000Z","entries":48213,"headAt":"2026-12-06T02:00:00.412Z","headHash":"9f2e6d33a3717ee826353a404ba4618d1aeeb6879ad7936bce8ed5f46814924d","headId":48213,"keyId":"2645dd4b8c93a7220f1399806b700af04acb6e5830ef24ab24518c436faee440","kind":"hazardscope.audit-checkpoint","publicKey":"MCowBQYDK2VwAyEA35B7sJ5NToetfQX0XKypIb6h1fcrWN0xH/5C11PXDKo=","signature":"oY2O4sFcR9K+TxPBh9b8yDKYOpskVPblLeLTuSE3TIG5BfLRTKpXmxkjEsO7+Gb22fdx8/0eKzHy02A6RIKlCA==","version":1}\n',
  genuine: true,
  problem: null,
  entries: 48213,
  headHash: '9f2e6d33a3717ee826353a404ba4618d1aeeb6879ad7936bce8ed5f46814924d',
  signedAt: '2026-12-06T02:00:05.000Z',
  keyId: '2645dd4b8c93a7220f1399806b700af04acb6e5830ef24ab24518c436faee440',
};

export function auditRoutes(services: Services) {
  return [
    route(
      {
        method: 'get',
        path: '/audit/checkpoints',
        operationId: 'listAuditCheckpoints',
        summary:
          'Signed checkpoints of the audit chain’s head, oldest first, for copying to offline storage (docs/audit.md)',
        tags: ['audit'],
        roles: ['admin'],
        query: z
          .object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            cursor: Cursor.optional(),
          })
          .strict(),
        responses: {
          200: {
            description: 'A page of checkpoints',
            schema: z.object({ items: z.array(AuditCheckpoint), nextCursor: z.string().nullable() }),
            example: { items: [CHECKPOINT_EXAMPLE], nextCursor: null },
          },
          ...problemResponses,
        },
      },
      async ({ query }) => {
        const after = decodeCursor(query.cursor, z.string().min(1));
        const page = await services.auditAnchor.page({ after, limit: query.limit });
        return {
          status: 200,
          body: {
            items: page.items.map((c) => ({
              key: c.key,
              document: c.text,
              genuine: c.ok,
              problem: c.ok ? null : c.problem,
              entries: c.ok ? c.checkpoint.entries : null,
              headHash: c.ok ? c.checkpoint.headHash : null,
              signedAt: c.ok ? c.checkpoint.at : null,
              keyId: c.ok ? c.checkpoint.keyId : null,
            })),
            nextCursor: page.next ? encodeCursor(page.next) : null,
          },
        };
      },
    ),
  ];
}
