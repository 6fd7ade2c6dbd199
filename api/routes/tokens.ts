import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { MAX_ROTATION_GRACE_SECONDS } from '../../pipeline/domain/tokens.js';
import { route } from '../contract.js';
import { Problem, problemResponses, Timestamp, Uuid } from '../schemas/common.js';

const ALL_ROLES = ['operator', 'reviewer', 'regulator', 'admin'] as const;

// Examples for the API document (test/contract/openapi.test.ts checks them against the schemas).
const TOKEN_ID = '3c5e7a9c-1e2b-4d4f-a6c8-0e2a4c6e8a17';
const ROTATED_EXAMPLE = {
  id: '4d6f8b0d-2f3c-4e5a-b7d9-1f3b5d7f9b28',
  token: 'hs_Xq3vR9tKp2LmN8wYc5BdF7hJ1sA4eG6u',
  expiresAt: '2027-03-01T00:00:00.000Z',
  previous: { id: TOKEN_ID, validUntil: '2026-12-06T04:30:00.000Z' },
};

/**
 * The caller's own token: each person can see when their token expires and swap it for a new
 * secret without anyone's help. Administrators manage everyone's in routes/users.ts.
 */
export function tokenRoutes(services: Services) {
  return [
    route(
      {
        method: 'get',
        path: '/me/token',
        summary: 'The token you call with: when it was made, when it expires, when it was last used (to the minute)',
        tags: ['system'],
        roles: ALL_ROLES,
        responses: {
          200: {
            description: 'The token, without its secret',
            schema: z.object({
              id: Uuid,
              createdAt: Timestamp,
              expiresAt: Timestamp.nullable().describe('null: never expires'),
              lastUsedAt: Timestamp.nullable(),
            }),
            example: {
              id: TOKEN_ID,
              createdAt: '2026-03-01T00:00:00.000Z',
              expiresAt: '2027-03-01T00:00:00.000Z',
              lastUsedAt: '2026-12-06T02:31:00.000Z',
            },
          },
          ...problemResponses,
        },
      },
      async ({ principal }) => {
        const token = await services.tokens.describe(principal.tokenId);
        return {
          status: 200,
          body: {
            id: token.id,
            createdAt: token.createdAt.toISOString(),
            expiresAt: token.expiresAt?.toISOString() ?? null,
            lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
          },
        };
      },
    ),
    route(
      {
        method: 'post',
        path: '/me/token/rotate',
        summary:
          'Swap the token you call with for a new secret with the same lifetime; the old one stops now or after a grace period (audited)',
        tags: ['system'],
        roles: ALL_ROLES,
        body: z
          .object({
            graceSeconds: z
              .number()
              .int()
              .min(0)
              .max(MAX_ROTATION_GRACE_SECONDS)
              .default(0)
              .describe('How long the old token keeps working beside the new one, so clients can switch over'),
          })
          .strict(),
        bodyExample: { graceSeconds: 3600 },
        responses: {
          200: {
            description: 'The new token; its secret is shown only now',
            schema: z.object({
              id: Uuid,
              token: z.string(),
              expiresAt: Timestamp.nullable(),
              previous: z.object({ id: Uuid, validUntil: Timestamp }),
            }),
            example: ROTATED_EXAMPLE,
          },
          409: {
            description: 'This token was already rotated (it is in its grace period)',
            schema: Problem,
            contentType: 'application/problem+json',
          },
          ...problemResponses,
        },
      },
      async ({ body, principal }) => {
        const rotated = await services.tokens.rotate(
          principal.tokenId,
          { graceSeconds: body.graceSeconds },
          `${principal.role}:${principal.name}`,
        );
        return {
          status: 200,
          body: {
            id: rotated.id,
            token: rotated.token,
            expiresAt: rotated.expiresAt?.toISOString() ?? null,
            previous: { id: rotated.previous.id, validUntil: rotated.previous.validUntil.toISOString() },
          },
        };
      },
    ),
  ];
}
