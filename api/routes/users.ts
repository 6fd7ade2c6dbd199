import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { ROLES } from '../../pipeline/domain/roles.js';
import { MAX_ROTATION_GRACE_SECONDS } from '../../pipeline/domain/tokens.js';
import { route } from '../contract.js';
import { Problem, problemResponses, Timestamp, Uuid } from '../schemas/common.js';

const problem = (description: string) => ({ description, schema: Problem, contentType: 'application/problem+json' });
const Role = z.enum(ROLES);
const Roles = z
  .array(Role)
  .max(ROLES.length * 2)
  .describe('The roles tokens may be issued for; repeats are dropped');
const YEAR_SECONDS = 365 * 86_400;
const ExpiresIn = z
  .number()
  .int()
  .min(60)
  .max(10 * YEAR_SECONDS)
  .nullable()
  .describe('Seconds from now until the token stops working; null: never');

const User = z.object({
  id: Uuid,
  name: z.string(),
  regionCode: z.string().describe('Where in the organisation’s jurisdiction the person works; "" the whole country'),
  roles: z.array(Role),
  createdAt: Timestamp,
  tokens: z.object({
    usable: z.number().int().describe('Tokens that work now, rotated ones in their grace period included'),
    nextExpiry: Timestamp.nullable().describe('When the next working token stops; null when none expires'),
    lastUsedAt: Timestamp.nullable().describe('The latest use of any of their tokens, to the minute'),
  }),
});
type UserOut = Awaited<ReturnType<Services['users']['listUsers']>>[number];
const userBody = (u: UserOut) => ({
  id: u.id,
  name: u.name,
  regionCode: u.regionCode,
  roles: u.roles,
  createdAt: u.createdAt.toISOString(),
  tokens: {
    usable: u.tokens.usable,
    nextExpiry: u.tokens.nextExpiry?.toISOString() ?? null,
    lastUsedAt: u.tokens.lastUsedAt?.toISOString() ?? null,
  },
});

const Token = z.object({
  id: Uuid,
  userId: Uuid,
  name: z.string(),
  role: Role,
  regionCode: z.string(),
  state: z.enum(['active', 'grace', 'expired', 'revoked']).describe('grace: rotated, working until its grace ends'),
  createdAt: Timestamp,
  expiresAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
  lastUsedAt: Timestamp.nullable(),
  replacedBy: Uuid.nullable().describe('The successor of a rotated token'),
});
const iso = (d: Date | null) => d?.toISOString() ?? null;

const UserId = z.object({ userId: Uuid }).strict();
const TokenId = z.object({ tokenId: Uuid }).strict();

// Examples for the API document (test/contract/openapi.test.ts checks them against the schemas).
const REVIEWER_ID = '2b4d6f8b-0c3e-4a5c-9d7f-1b3d5f7b9d6a';
const REVIEWER_TOKEN_ID = '5e7a9c1e-3a4d-4f6b-8c0e-2a4c6e8a0c39';
const REVIEWER_EXAMPLE = {
  id: REVIEWER_ID,
  name: 'Li Na',
  regionCode: '4101',
  roles: ['reviewer' as const],
  createdAt: '2026-03-01T01:00:00.000Z',
  tokens: { usable: 1, nextExpiry: '2027-03-01T01:00:00.000Z', lastUsedAt: '2026-12-06T02:14:00.000Z' },
};
const NEW_PERSON_EXAMPLE = {
  id: '6f8b0d2f-4a5e-4b7c-9d1f-3b5d7f9b1d4a',
  name: 'Sun Hao',
  regionCode: '410122',
  roles: ['operator' as const],
  createdAt: '2026-12-06T02:40:00.000Z',
  tokens: { usable: 0, nextExpiry: null, lastUsedAt: null },
};
const SECRET_EXAMPLE = 'hs_Xq3vR9tKp2LmN8wYc5BdF7hJ1sA4eG6u';

/**
 * An organisation's people and their tokens, for its administrators (the web app's "Users and
 * tokens" page and `hazardscope token … --server`). Everything is within the administrator's
 * organisation and region; anyone else's person or token is "not found". Secrets are shown once,
 * in the answer that made them.
 */
export function userRoutes(services: Services) {
  return [
    route(
      {
        method: 'get',
        path: '/admin/users',
        summary: 'The people of your organisation and region: roles, working tokens, next expiry, last use',
        tags: ['administration'],
        roles: ['admin'],
        responses: {
          200: {
            description: 'People by name',
            schema: z.object({ items: z.array(User) }),
            example: {
              items: [
                REVIEWER_EXAMPLE,
                {
                  id: '7a9c1e3a-5b6f-4c8d-ae0a-4c6e8a0c2e5b',
                  name: 'Wang Qiang',
                  regionCode: '4101',
                  roles: ['admin' as const, 'regulator' as const],
                  createdAt: '2026-02-27T08:30:00.000Z',
                  tokens: { usable: 2, nextExpiry: '2026-12-07T04:30:00.000Z', lastUsedAt: '2026-12-06T02:38:00.000Z' },
                },
              ],
            },
          },
          ...problemResponses,
        },
      },
      async ({ principal }) => ({
        status: 200,
        body: { items: (await services.users.listUsers(principal)).map(userBody) },
      }),
    ),
    route(
      {
        method: 'post',
        path: '/admin/users',
        summary: 'Add a person with their roles (audited); issue them a token next',
        tags: ['administration'],
        roles: ['admin'],
        body: z
          .object({
            name: z.string().trim().min(1).max(200),
            regionCode: z
              .string()
              .regex(/^(\d{2}(\d{2}(\d{2})?)?)?$/, 'a 2-, 4- or 6-digit region code, or "" for the whole country')
              .optional()
              .describe('Within your own region; yours when left out'),
            roles: Roles,
          })
          .strict(),
        bodyExample: { name: 'Sun Hao', regionCode: '410122', roles: ['operator'] },
        responses: {
          201: { description: 'Added', schema: User, example: NEW_PERSON_EXAMPLE },
          409: problem('Your organisation already has a person of that name'),
          422: problem('The region lies outside yours'),
          ...problemResponses,
        },
      },
      async ({ body, principal }) => ({
        status: 201,
        body: userBody(await services.users.createUser(principal, body)),
      }),
    ),
    route(
      {
        method: 'put',
        path: '/admin/users/:userId/roles',
        summary: 'Set a person’s roles (audited); their tokens for a role taken away are revoked at once',
        tags: ['administration'],
        roles: ['admin'],
        params: UserId,
        body: z.object({ roles: Roles }).strict(),
        bodyExample: { roles: ['reviewer'] },
        responses: {
          200: {
            description: 'The person as they now are, and the tokens revoked',
            schema: User.extend({ revokedTokens: z.array(Uuid) }),
            example: { ...REVIEWER_EXAMPLE, revokedTokens: ['8b0d2f4b-6c7a-4d9e-bf1b-5d7f9b1d3f6c'] },
          },
          404: problem('No such person in your organisation and region'),
          422: problem('You cannot take the admin role from yourself'),
          ...problemResponses,
        },
      },
      async ({ params, body, principal }) => {
        const changed = await services.users.setRoles(principal, params.userId, body.roles);
        return { status: 200, body: { ...userBody(changed), revokedTokens: changed.revokedTokens } };
      },
    ),
    route(
      {
        method: 'post',
        path: '/admin/users/:userId/tokens',
        summary: 'Issue a token for one of the person’s roles (audited); its secret is shown only in this answer',
        tags: ['administration'],
        roles: ['admin'],
        params: UserId,
        body: z
          .object({ role: Role, expiresInSeconds: ExpiresIn.default(YEAR_SECONDS).describe('Default: a year') })
          .strict(),
        bodyExample: { role: 'reviewer', expiresInSeconds: 90 * 86_400 },
        responses: {
          201: {
            description: 'The token and its secret, shown once',
            schema: z.object({
              id: Uuid,
              userId: Uuid,
              role: Role,
              token: z.string(),
              expiresAt: Timestamp.nullable(),
            }),
            example: {
              id: REVIEWER_TOKEN_ID,
              userId: REVIEWER_ID,
              role: 'reviewer',
              token: SECRET_EXAMPLE,
              expiresAt: '2027-03-06T02:45:00.000Z',
            },
          },
          404: problem('No such person in your organisation and region'),
          422: problem('The person does not hold that role'),
          ...problemResponses,
        },
      },
      async ({ params, body, principal }) => {
        const issued = await services.users.issueToken(principal, params.userId, body);
        return { status: 201, body: { ...issued, expiresAt: iso(issued.expiresAt) } };
      },
    ),
    route(
      {
        method: 'get',
        path: '/admin/tokens',
        summary: 'The tokens of your organisation and region (never a secret): state, expiry, last use',
        tags: ['administration'],
        roles: ['admin'],
        query: z.object({ userId: Uuid.optional().describe('Only this person’s') }).strict(),
        responses: {
          200: {
            description: 'Oldest first',
            schema: z.object({ items: z.array(Token) }),
            example: {
              items: [
                {
                  id: '9c1e3a5c-7d8b-4e0f-8a2c-6e8a0c2e4a7d',
                  userId: REVIEWER_ID,
                  name: 'Li Na',
                  role: 'reviewer',
                  regionCode: '4101',
                  state: 'grace',
                  createdAt: '2026-03-01T01:00:00.000Z',
                  expiresAt: '2026-12-06T04:30:00.000Z',
                  revokedAt: '2026-12-06T04:30:00.000Z',
                  lastUsedAt: '2026-12-06T02:14:00.000Z',
                  replacedBy: REVIEWER_TOKEN_ID,
                },
                {
                  id: REVIEWER_TOKEN_ID,
                  userId: REVIEWER_ID,
                  name: 'Li Na',
                  role: 'reviewer',
                  regionCode: '4101',
                  state: 'active',
                  createdAt: '2026-12-06T02:30:00.000Z',
                  expiresAt: '2027-03-01T01:00:00.000Z',
                  revokedAt: null,
                  lastUsedAt: null,
                  replacedBy: null,
                },
              ],
            },
          },
          ...problemResponses,
        },
      },
      async ({ query, principal }) => ({
        status: 200,
        body: {
          items: (await services.users.listTokens(principal, query.userId)).map((t) => ({
            ...t,
            createdAt: t.createdAt.toISOString(),
            expiresAt: iso(t.expiresAt),
            revokedAt: iso(t.revokedAt),
            lastUsedAt: iso(t.lastUsedAt),
          })),
        },
      }),
    ),
    route(
      {
        method: 'post',
        path: '/admin/tokens/:tokenId/revoke',
        summary: 'Revoke a token now (audited); it answers 401 "revoked" from then on',
        tags: ['administration'],
        roles: ['admin'],
        params: TokenId,
        responses: {
          200: {
            description: 'Revoked (or already revoked: nothing changed)',
            schema: z.object({ id: Uuid, revokedAt: Timestamp, alreadyRevoked: z.boolean() }),
            example: { id: REVIEWER_TOKEN_ID, revokedAt: '2026-12-06T02:50:12.000Z', alreadyRevoked: false },
          },
          404: problem('No such token in your organisation and region'),
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        const revoked = await services.users.revokeToken(principal, params.tokenId);
        return { status: 200, body: { ...revoked, revokedAt: revoked.revokedAt.toISOString() } };
      },
    ),
    route(
      {
        method: 'post',
        path: '/admin/tokens/:tokenId/rotate',
        summary:
          'A new secret for someone’s token (audited); the old one stops now or after a grace period. The new one keeps the old lifetime unless told',
        tags: ['administration'],
        roles: ['admin'],
        params: TokenId,
        body: z
          .object({
            graceSeconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).default(0),
            expiresInSeconds: ExpiresIn.optional(),
          })
          .strict(),
        bodyExample: { graceSeconds: 86_400 },
        responses: {
          200: {
            description: 'The new token; its secret is shown only now',
            schema: z.object({
              id: Uuid,
              token: z.string(),
              expiresAt: Timestamp.nullable(),
              previous: z.object({ id: Uuid, validUntil: Timestamp }),
            }),
            example: {
              id: '0d2f4b6d-8e9c-4f1a-9b3d-7f9b1d3f5b8e',
              token: SECRET_EXAMPLE,
              expiresAt: '2027-03-01T01:00:00.000Z',
              previous: { id: REVIEWER_TOKEN_ID, validUntil: '2026-12-07T02:52:00.000Z' },
            },
          },
          404: problem('No such token in your organisation and region'),
          409: problem('The token was already rotated or is revoked'),
          ...problemResponses,
        },
      },
      async ({ params, body, principal }) => {
        const rotated = await services.users.rotateToken(principal, params.tokenId, body);
        return {
          status: 200,
          body: {
            id: rotated.id,
            token: rotated.token,
            expiresAt: iso(rotated.expiresAt),
            previous: { id: rotated.previous.id, validUntil: rotated.previous.validUntil.toISOString() },
          },
        };
      },
    ),
  ];
}
