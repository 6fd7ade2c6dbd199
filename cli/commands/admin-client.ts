/**
 * The administration API as `hazardscope token … --server URL` calls it: one JSON request at a
 * time, and a refusal reported with the server's own words (problem+json `detail`).
 */

/** The server refused or could not be reached; the message is fit to print as it is. */
export class AdminApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export class AdminClient {
  private readonly base: URL;

  constructor(
    server: string,
    private readonly token: string,
  ) {
    try {
      this.base = new URL(server.endsWith('/') ? server : `${server}/`);
    } catch {
      throw new AdminApiError(`--server must be the server's address, such as http://127.0.0.1:8080, not "${server}"`);
    }
  }

  async call<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    const url = new URL(`api/v1/${pathname.replace(/^\//, '')}`, this.base);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new AdminApiError(
        `cannot reach the server at ${this.base.origin}: ${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const detail = (parsed as { detail?: string } | undefined)?.detail ?? (text.slice(0, 200) || res.statusText);
      const hint =
        res.status === 401 ? ' (check --token)' : res.status === 403 ? ' (the token must be an administrator’s)' : '';
      throw new AdminApiError(`${method} ${url.pathname} answered ${res.status}: ${detail}${hint}`, res.status);
    }
    return parsed as T;
  }
}
