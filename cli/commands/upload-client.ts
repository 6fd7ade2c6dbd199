/**
 * The HTTP side of `hazardscope upload`: JSON calls and photo PUTs to the server's API, each retried
 * with backoff while the server is busy or away. Photos are streamed from disk (never read whole),
 * and hashed on the way out so what the server stored can be checked against what was read.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { classifyStatus, parseRetryAfter, type RetryPolicy, retryDelayMs, type Verdict } from './upload-plan.js';

/** A request that ended without success; `verdict` says whether trying again can help. */
export class UploadHttpError extends Error {
  constructor(
    message: string,
    readonly verdict: Exclude<Verdict, 'ok'>,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'UploadHttpError';
  }
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A request that sends or receives nothing for this long is given up and retried. */
const IDLE_TIMEOUT_MS = 120_000;

export class UploadClient {
  private readonly base: URL;

  constructor(
    server: string,
    private readonly token: string,
    private readonly policy: RetryPolicy,
    private readonly onRetry: (what: string, attempt: number, delayMs: number, error: Error) => void = () => undefined,
    private readonly random: () => number = Math.random,
  ) {
    this.base = new URL(server.endsWith('/') ? server : `${server}/`);
  }

  async json<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return this.withRetry(`${method} ${pathname}`, async () => {
      const answer = await this.send(method, pathname, payload && { 'content-type': 'application/json' }, (req) => {
        req.end(payload);
        return Promise.resolve();
      });
      return accept(answer, `${method} ${pathname}`) as T;
    });
  }

  /**
   * PUTs one photo through the API, streamed from disk. `onBytes` is told of every chunk sent and,
   * with a negative count, of a try that failed, so a progress bar can take them back.
   */
  async putPhoto(
    flightId: string,
    filename: string,
    file: string,
    size: number,
    onBytes: (delta: number) => void,
  ): Promise<{ created: boolean; sha256: string; sentSha256: string }> {
    const pathname = `api/v1/flights/${flightId}/images/${encodeURIComponent(filename)}`;
    return this.withRetry(`upload ${filename}`, async () => {
      let sent = 0;
      const hash = createHash('sha256');
      try {
        const answer = await this.send(
          'PUT',
          pathname,
          { 'content-type': 'image/jpeg', 'content-length': String(size) },
          (req) =>
            pipeline(
              createReadStream(file),
              new Transform({
                transform(chunk: Buffer, _encoding, done) {
                  hash.update(chunk);
                  sent += chunk.length;
                  onBytes(chunk.length);
                  done(null, chunk);
                },
              }),
              req,
            ),
        );
        const body = accept(answer, `upload ${filename}`) as { created: boolean; image: { sha256: string } };
        return { created: body.created, sha256: body.image.sha256, sentSha256: hash.digest('hex') };
      } catch (error) {
        onBytes(-sent);
        throw error;
      }
    });
  }

  private async withRetry<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        const failure = networkError(error);
        if (failure.verdict !== 'retry' || tries > this.policy.retries) throw failure;
        const delay = retryDelayMs(tries, this.policy, this.random, failure.retryAfterMs);
        this.onRetry(what, tries, delay, failure);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** One request; `write` sends the body and ends the request. Network failures become retryable. */
  private send(
    method: string,
    pathname: string,
    headers: Record<string, string> | undefined,
    write: (req: http.ClientRequest) => Promise<void>,
  ): Promise<Answer> {
    const url = new URL(pathname, this.base);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<Answer>((resolve, reject) => {
      const req = transport.request(url, {
        method,
        headers: { accept: 'application/json', authorization: `Bearer ${this.token}`, ...headers },
        timeout: IDLE_TIMEOUT_MS,
      });
      req.on('timeout', () => req.destroy(new Error(`no answer for ${IDLE_TIMEOUT_MS / 1000} s`)));
      req.on('error', (error) => reject(networkError(error)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(networkError(error)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON (a proxy's error page): kept as text for the message.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      });
      // The server may answer (401, 415) before the body is sent; that answer is the one to report.
      write(req).catch((error: unknown) => req.destroy(error as Error));
    });
  }
}

function accept(answer: Answer, what: string): unknown {
  const verdict = classifyStatus(answer.status);
  if (verdict === 'ok') return answer.body;
  const problem = answer.body as { title?: string; detail?: string } | string | undefined;
  const detail =
    typeof problem === 'object' ? (problem.detail ?? problem.title) : problem?.slice(0, 200).replace(/\s+/g, ' ');
  throw new UploadHttpError(
    `${what} answered ${answer.status}${detail ? `: ${detail}` : ''}`,
    verdict,
    answer.status,
    parseRetryAfter(answer.headers['retry-after'], Date.now()),
  );
}

const FILE_ERRORS = new Set(['ENOENT', 'EACCES', 'EISDIR', 'EPERM']);

/** Network failures are worth another try; a file that cannot be read will not become readable. */
function networkError(error: unknown): UploadHttpError {
  if (error instanceof UploadHttpError) return error;
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as NodeJS.ErrnoException).code;
  return new UploadHttpError(
    `${code && !e.message.includes(code) ? `${code}: ` : ''}${e.message}`,
    code && FILE_ERRORS.has(code) ? 'reject' : 'retry',
  );
}
