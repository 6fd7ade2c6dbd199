// The web app's API types, generated from the OpenAPI document the server makes from its zod
// contracts, so the browser code cannot drift from the API. `npm run gen:api-types` writes them;
// `npm run build:web` and scripts/ensure-deps.mjs run it before building, and
// test/contract/web-api-types.test.ts fails when the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { API_VERSION, apiRoutes } from '../api/app.js';
import { buildOpenApi } from '../api/openapi.js';

export const API_TYPES_FILE = path.resolve(import.meta.dirname, '../web/src/api/schema.d.ts');
export const API_TYPES_COMMAND = 'npm run gen:api-types';

/** The document GET /api/v1/openapi.json serves, made without a server, a database or a model. */
export function apiDocument(): OpenAPI3 {
  // Building routes only captures their dependencies for the handlers; any use now is a bug here.
  const absent = new Proxy(
    {},
    {
      get(_target, key) {
        throw new Error(
          `building the API routes used deps.${String(key)}: the document must not need a running service`,
        );
      },
    },
  ) as never;
  return buildOpenApi(apiRoutes({ services: absent, readiness: absent, model: absent }), {
    version: API_VERSION,
  }) as unknown as OpenAPI3;
}

/** The text of web/src/api/schema.d.ts, as openapi-typescript's CLI would write it. */
export async function generateApiTypes(): Promise<string> {
  const ast = await openapiTS(apiDocument());
  return `${COMMENT_HEADER}${astToString(ast)}`;
}

/** Writes the file when its text changed, so an unchanged contract leaves the web build's inputs alone. */
export async function writeApiTypes(file = API_TYPES_FILE): Promise<boolean> {
  const text = await generateApiTypes();
  const old = await readFile(file, 'utf8').catch(() => undefined);
  if (old === text) return false;
  await writeFile(file, text);
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const changed = await writeApiTypes();
  console.log(`${path.relative(process.cwd(), API_TYPES_FILE)} ${changed ? 'written' : 'already up to date'}`);
}
