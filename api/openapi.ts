import { z } from 'zod';
import { defaultOperationId, type Route } from './contract.js';
import { Problem } from './schemas/common.js';

/**
 * What any route may answer besides what it declares: an unexpected fault, and an outage of
 * PostgreSQL, Redis or S3 (with Retry-After and context.dependency naming it).
 */
const ALWAYS_POSSIBLE = {
  500: 'Unexpected server error (problem+json; the requestId finds it in the logs)',
  503: 'A dependency (database, queue or storage) is unreachable: problem+json with Retry-After and context.dependency',
} as const;
/** What the middleware in front of every handler refuses with: the token, the role, the input. */
const NEEDS_TOKEN = {
  401: 'Missing, unknown, expired or revoked API token',
  403: 'The token’s role may not call this route',
} as const;
const VALIDATED = { 400: 'Invalid request (problem+json listing each issue)' } as const;

/**
 * OpenAPI 3.1 generated from the same zod contracts the router validates with. `publicUrl` (PUBLIC_URL)
 * becomes the one server; without it the server is "/", which tools resolve against the address the
 * document was fetched from.
 */
export function buildOpenApi(
  routes: Route[],
  info: { version: string; publicUrl?: string | undefined },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any' });
  const problemSchema = schema(Problem, 'output');
  for (const { contract } of routes) {
    const openPath = `/api/v1${contract.path}`.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [location, s] of [
      ['path', contract.params],
      ['query', contract.query],
    ] as const) {
      if (!s) continue;
      const json = schema(s, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, prop] of Object.entries(json.properties ?? {})) {
        parameters.push({
          name,
          in: location,
          required: location === 'path' || (json.required ?? []).includes(name),
          schema: prop,
        });
      }
    }
    const responses: Record<number, Route['contract']['responses'][number]> = { ...contract.responses };
    const implied = {
      ...(contract.params || contract.query || (contract.body && contract.body !== 'binary') ? VALIDATED : {}),
      ...(contract.roles === 'public' ? {} : NEEDS_TOKEN),
      ...ALWAYS_POSSIBLE,
    };
    for (const [status, description] of Object.entries(implied))
      responses[Number(status)] ??= { description, schema: Problem, contentType: 'application/problem+json' };
    // A refusal declared by its description alone is answered by the error middleware, as problem+json.
    for (const [status, r] of Object.entries(responses))
      if (Number(status) >= 400 && !r.schema && !r.contentType)
        responses[Number(status)] = { ...r, schema: Problem, contentType: 'application/problem+json' };
    const operation: Record<string, unknown> = {
      operationId: contract.operationId ?? defaultOperationId(contract.method, contract.path),
      summary: contract.summary,
      tags: contract.tags,
      parameters,
      security: contract.roles === 'public' ? [] : [{ bearer: [] }],
      'x-roles': contract.roles,
      responses: Object.fromEntries(
        Object.entries(responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.schema
              ? {
                  content: {
                    [r.contentType ?? 'application/json']: {
                      schema: r.schema === Problem ? problemSchema : schema(r.schema, 'output'),
                      ...(r.example === undefined ? {} : { example: r.example }),
                    },
                  },
                }
              : r.contentType
                ? { content: { [r.contentType]: {} } }
                : {}),
          },
        ]),
      ),
    };
    if (contract.body === 'binary') {
      operation.requestBody = {
        required: true,
        content: Object.fromEntries(
          (contract.binaryTypes ?? []).map((t) => [t, { schema: { type: 'string', format: 'binary' } }]),
        ),
      };
    } else if (contract.body) {
      operation.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: schema(contract.body, 'input'),
            ...(contract.bodyExample === undefined ? {} : { example: contract.bodyExample }),
          },
        },
      };
    }
    (paths[openPath] ??= {})[contract.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'HazardScope API',
      version: info.version,
      description: 'Drone-based safety enforcement: uploads, detections, review decisions and cases.',
    },
    servers: [
      info.publicUrl
        ? { url: info.publicUrl.replace(/\/+$/, ''), description: 'PUBLIC_URL' }
        : { url: '/', description: 'The server this document was fetched from' },
    ],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'API token (create one with `npm run hazardscope -- token create`)',
        },
      },
    },
    paths,
  };
}
