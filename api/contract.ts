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
  /**
   * The operation's name in the API document and in generated clients, camelCase and unique
   * (listFlights, createFlight, getFlight). Optional so a route can be written before it is named;
   * without it the document uses defaultOperationId(method, path). Once published, keep it: client
   * code calls operations by this name.
   */
  operationId?: string;
  summary: string;
  tags: string[];
  /** Roles allowed to call; 'public' routes need no token (health, readiness, the API document). */
  roles: readonly Role[] | 'public';
  /** Also accept the shared bucket-notification secret (INGEST_WEBHOOK_TOKEN) on this route. */
  webhook?: boolean;
  /** A GET whose 200 answer carries an ETag, and that answers 304 to an If-None-Match naming it (for pollers). */
  conditional?: boolean;
  params?: P;
  query?: Q;
  /** JSON body schema, or 'binary' for a raw upload of `binaryTypes`. */
  body?: B | 'binary';
  binaryTypes?: readonly string[];
  /** A realistic JSON body for the API document; test/contract/openapi.test.ts checks it against `body`. */
  bodyExample?: B extends z.ZodType ? z.input<B> : never;
  /** `example`: a realistic answer for the API document, checked against `schema` by the contract test. */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string; example?: unknown }>;
}

/**
 * The operationId a route without one gets: the method, then the path's words in camelCase, with
 * each parameter as "By<Name>" — GET /flights/:flightId/images becomes getFlightsByFlightIdImages.
 * Deterministic and unique per method and path, so a route added without a name still has a stable
 * one; an explicit, shorter name (listFlightImages) is better.
 */
export function defaultOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `by-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+|(?=[A-Z])/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase())].join('');
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
