/**
 * The HazardScope API as the command line calls it over HTTP: openapi-fetch typed with the paths
 * the web app uses (web/src/api/schema.d.ts, generated from the server's own zod contracts by
 * `npm run gen:api-types`), so a command that calls a route the server no longer has, or sends a
 * body it no longer takes, fails to type-check instead of failing at a bureau.
 *
 *   const api = createApiClient({ baseUrl: 'http://127.0.0.1:8080', token });
 *   const flights = await expectOk(api.GET('/api/v1/flights', { params: { query: { limit: 200 } } }), 'listing flights');
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../web/src/api/schema.js';

type ApiClient = Client<paths>;

interface ApiClientOptions {
  /** The server's address as people reach it (PUBLIC_URL), e.g. http://127.0.0.1:8080; paths add /api/v1. */
  baseUrl: string;
  /** An API token (`hazardscope token create`); sent as `Authorization: Bearer`. */
  token?: string | undefined;
  /** Give up on a request that has not answered within this long (default 30 s). */
  timeoutMs?: number;
}

/** A refusal or an unreachable server, worded to print as it is: the server's problem+json `detail` when it gave one. */
class ApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status; absent when no answer came. */
    readonly status?: number,
    /** The problem+json body, when the server sent one. */
    readonly problem?: { title?: string; detail?: string; issues?: unknown[] },
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  let baseUrl: URL;
  try {
    baseUrl = new URL(options.baseUrl);
  } catch {
    throw new ApiError(`the server's address must be a URL such as http://127.0.0.1:8080, not "${options.baseUrl}"`);
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  return createClient<paths>({
    baseUrl: baseUrl.href.replace(/\/+$/, ''),
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    fetch: async (request) => {
      try {
        return await fetch(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]) });
      } catch (error) {
        const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : error;
        throw new ApiError(`cannot reach the server at ${baseUrl.origin}: ${String(cause)}`);
      }
    },
  });
}

/**
 * The answer's body when the server said yes; otherwise an ApiError naming what was being done,
 * the status and the server's reason.
 */
export async function expectOk<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
  doing: string,
): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const problem =
    error && typeof error === 'object' ? (error as { title?: string; detail?: string; issues?: unknown[] }) : undefined;
  const reason = problem?.detail ?? (typeof error === 'string' && error ? error.slice(0, 200) : response.statusText);
  throw new ApiError(`${doing}: the server answered ${response.status}: ${reason}`, response.status, problem);
}

/**
 * Request options that send raw bytes (a photo, a case attachment). The document types a binary
 * body as a string, so the typed `body` is a placeholder and the serializer sends the bytes.
 */
export function binaryBody(bytes: Uint8Array, contentType: string) {
  return { body: '', bodySerializer: () => bytes, headers: { 'content-type': contentType } };
}
