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

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | undefined;
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

export type Handler<C extends RouteContract> = (
  input: HandlerInput<
    C['params'] extends z.ZodType ? z.infer<C['params']> : Record<string, never>,
    C['query'] extends z.ZodType ? z.infer<C['query']> : Record<string, never>,
    C['body'] extends z.ZodType ? z.infer<C['body']> : undefined
  >,
) => Promise<HandlerResult>;

export interface Route<C extends RouteContract = RouteContract> {
  contract: C;
  handler: Handler<C>;
}

export function route<C extends RouteContract>(contract: C, handler: Handler<C>): Route {
  return { contract, handler: handler as unknown as Handler<RouteContract> };
}
