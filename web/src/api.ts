/** The API, as the app calls it: bearer token, JSON in and out, problem+json turned into errors people can read. */
import type { ApiProblem } from './api/types.js';

const TOKEN_KEY = 'hazardscope.token';

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** A refusal as the app shows it: problem+json, or what a proxy answered instead (then only status, title and detail). */
type Problem = Pick<ApiProblem, 'status' | 'title' | 'detail' | 'issues' | 'context'>;

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = storedToken();
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

async function failure(res: Response): Promise<ApiError> {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    const body = (await res.json()) as Partial<Problem>;
    return new ApiError({
      status: res.status,
      title: body.title ?? res.statusText,
      detail: body.detail ?? '',
      issues: body.issues,
      context: body.context,
    });
  }
  return new ApiError({ status: res.status, title: res.statusText, detail: (await res.text()).slice(0, 300) });
}

export async function api<T>(
  method: string,
  path: string,
  options: { body?: unknown; raw?: Blob; contentType?: string; keepalive?: boolean } = {},
): Promise<T> {
  const init: RequestInit = { method, headers: headers(), keepalive: options.keepalive };
  if (options.raw) {
    init.body = options.raw;
    init.headers = headers({ 'content-type': options.contentType ?? options.raw.type });
  } else if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers = headers({ 'content-type': 'application/json' });
  }
  const res = await fetch(`/api/v1${path}`, init);
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  // Some answers carry no body (a 202 "queued again"): nothing to parse.
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * A GET polled with If-None-Match: undefined while the answer is unchanged since `etag` (304).
 * `no-store` keeps the browser's cache out of it, so the 304 reaches the page instead of a copy.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the answer's type, as with api()
export async function apiPoll<T>(
  path: string,
  etag: string | undefined,
): Promise<{ value: T; etag: string | undefined } | undefined> {
  const res = await fetch(`/api/v1${path}`, {
    headers: headers(etag ? { 'if-none-match': etag } : {}),
    cache: 'no-store',
  });
  if (res.status === 304) return undefined;
  if (!res.ok) throw await failure(res);
  return { value: (await res.json()) as T, etag: res.headers.get('etag') ?? undefined };
}

/** Images and files behind the token: fetched, then shown through an object URL (kept while in use). */
const objectUrls = new Map<string, Promise<string>>();
export function blobUrl(path: string): Promise<string> {
  let url = objectUrls.get(path);
  if (url) {
    // Most recently used last: what is on screen was asked for lately and is never the one let go.
    objectUrls.delete(path);
    objectUrls.set(path, url);
  } else {
    url = fetch(`/api/v1${path}`, { headers: headers() }).then(async (res) => {
      if (!res.ok) throw await failure(res);
      return URL.createObjectURL(await res.blob());
    });
    url.catch(() => objectUrls.delete(path));
    objectUrls.set(path, url);
    // Crops and previews of a long session: the oldest go first.
    if (objectUrls.size > 300) {
      const [oldest] = objectUrls.entries().next().value as [string, Promise<string>];
      objectUrls.delete(oldest);
      void objectUrls.get(oldest)?.then((url) => {
        URL.revokeObjectURL(url);
      });
    }
  }
  return url;
}

/** Saves a file from the API under the name the server gives it. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const res = await fetch(`/api/v1${path}`, { headers: headers() });
  if (!res.ok) throw await failure(res);
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = /filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1];
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name ? decodeURIComponent(name) : fallbackName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
