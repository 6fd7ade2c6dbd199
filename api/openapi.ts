import { z } from 'zod';
import type { Route } from './contract.js';

/** OpenAPI 3.1 generated from the same zod contracts the router validates with. */
export function buildOpenApi(routes: Route[], info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any' });
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
    const operation: Record<string, unknown> = {
      summary: contract.summary,
      tags: contract.tags,
      parameters,
      security: contract.roles === 'public' ? [] : [{ bearer: [] }],
      'x-roles': contract.roles,
      responses: Object.fromEntries(
        Object.entries(contract.responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.schema
              ? { content: { [r.contentType ?? 'application/json']: { schema: schema(r.schema, 'output') } } }
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
        content: { 'application/json': { schema: schema(contract.body, 'input') } },
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
