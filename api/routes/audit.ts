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
