import type { z } from 'zod';
import type { Principal, Role } from '../pipeline/domain/roles.js';

/**
 * A route is a contract: method, path, who may call it, and zod schemas for params, query, body and
 * every response. Validation, authorisation and the OpenAPI document all come from these objects.
 */
export interface RouteContract<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  tags: string[];
  /** Roles allowed to call; 'public' routes need no token (health, readiness, the API document). */
  roles: readonly Role[] | 'public';
  /** Also accept the shared bucket-notification secret (INGEST_WEBHOOK_TOKEN) on this route. */
  webhook?: boolean;
  params?: P;
  query?: Q;
  /** JSON body schema, or 'binary' for a raw upload of `binaryTypes`. */
  body?: B | 'binary';
  binaryTypes?: readonly string[];
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

export interface HandlerInput<P, Q, B, W extends Principal | undefined = Principal | undefined> {
  params: P;
  query: Q;
  body: B;
  /** The caller: always there on a route that needs a token, absent on a public one. */
  principal: W;
  /** Raw body for binary uploads. */
  raw: Buffer | undefined;
  contentType: string | undefined;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  /** For non-JSON responses (images). */
  binary?: { data: Buffer; contentType: string };
  /** For large files made while they are sent (evidence bundles). */
  stream?: { chunks: AsyncIterable<Buffer>; contentType: string };
  headers?: Record<string, string>;
}

/** Who calls a route: anyone on a public route, an authenticated principal on every other. */
type CallerOf<C extends RouteContract> = C['roles'] extends 'public' ? Principal | undefined : Principal;

type Handler<C extends RouteContract> = (
  input: HandlerInput<
    C['params'] extends z.ZodType ? z.infer<C['params']> : Record<string, never>,
    C['query'] extends z.ZodType ? z.infer<C['query']> : Record<string, never>,
    C['body'] extends z.ZodType ? z.infer<C['body']> : undefined,
    CallerOf<C>
  >,
) => Promise<HandlerResult>;

/** A route as the app mounts it: the dispatcher passes a principal whenever the contract needs a token. */
export interface Route<C extends RouteContract = RouteContract> {
  contract: C;
  handler: (input: HandlerInput<unknown, unknown, unknown>) => Promise<HandlerResult>;
}

export function route<C extends RouteContract>(contract: C, handler: Handler<C>): Route {
  return { contract, handler: handler as unknown as Route['handler'] };
}
