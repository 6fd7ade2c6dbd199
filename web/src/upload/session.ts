/**
 * Uploading a flight's photos from the browser: each photo is hashed in a worker, skipped when the
 * server already has its bytes (a resumed upload, or the same photo twice in the folder), and sent
 * with at most a few requests at a time. Photos are never read into the page: the worker reads one
 * slice at a time and XMLHttpRequest streams the File from disk, so memory does not grow with the
 * flight's size.
 *
 * Photos go through the API (PUT /flights/:id/images/:filename), not to S3 by presigned URL. The
 * embedded S3 server listens on 127.0.0.1 on a port of its own with no CORS rules, so a browser on
 * another machine, or on another origin, cannot reach it; MinIO would need its public endpoint and
 * CORS set up for the app's origin. Through the API the request is same-origin with the same
 * token, the photo is checked to be a JPEG before anything is stored, its file name is kept, and it
 * is registered and queued at once (a presigned PUT on the embedded server is only registered when
 * the flight is completed), so the flight page shows photos arrive. The cost is that the bytes pass
 * through the API process, which holds one photo per request (MAX_UPLOAD_BYTES).
 */
import { ApiError, api, storedToken } from '../api.js';
import type { FlightImages, UploadedImage } from '../api/types.js';
import type { HashReply, HashRequest } from './hash-worker.js';

/** Uploads at once: enough to keep the line busy between one request's end and the next one's start. */
const CONCURRENCY = 3;
const MAX_ATTEMPTS = 5;
/** Statuses worth trying again: the network, timeouts, rate limits and outages (503 + Retry-After). */
const TRANSIENT = new Set([0, 408, 425, 429, 500, 502, 503, 504]);

export type ItemState =
  | 'waiting'
  | 'hashing'
  | 'queued'
  | 'uploading'
  | 'done'
  /** The server already had these bytes (uploaded before a reload). */
  | 'on-server'
  /** Another file of this upload has the same bytes. */
  | 'duplicate'
  | 'failed';

export interface UploadItem {
  readonly file: File;
  state: ItemState;
  sha256?: string;
  /** Bytes sent so far of this attempt. */
  sent: number;
  attempts: number;
  error?: string;
}

interface Totals {
  photos: number;
  hashed: number;
  /** Counts by state. */
  count: Record<ItemState, number>;
  /** Bytes to send (photos the server lacks) and bytes sent. */
  bytes: number;
  sentBytes: number;
  /** Every photo is done, on the server, a duplicate or failed. */
  settled: boolean;
}

/** SHA-256 of files in a worker, one at a time. */
class Hasher {
  private readonly worker = new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module' });
  private readonly waiting = new Map<number, { resolve: (sha: string) => void; reject: (e: Error) => void }>();
  private next = 0;

  constructor() {
    this.worker.onmessage = (event: MessageEvent<HashReply>) => {
      const reply = event.data;
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if ('sha256' in reply) waiter?.resolve(reply.sha256);
      else waiter?.reject(new Error(reply.error));
    };
    this.worker.onerror = (event) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(event.message || 'hash worker failed'));
      this.waiting.clear();
    };
  }

  hash(file: File): Promise<string> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, file } satisfies HashRequest);
    });
  }

  close(): void {
    this.worker.terminate();
  }
}

interface PutAnswer {
  status: number;
  body: unknown;
  retryAfter: number | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One upload of a flight's photos. `onChange` is called on every change, progress included: throttle rendering. */
export class UploadRun {
  readonly items: UploadItem[];
  /** Why the whole upload stopped (the flight was completed or is gone, the token expired). */
  fatal: Error | undefined;
  private readonly requests = new Set<XMLHttpRequest>();
  private readonly queue: UploadItem[] = [];
  private active = 0;
  private hashing = true;
  private cancelled = false;
  private finished: () => void = () => undefined;

  constructor(
    readonly flightId: string,
    files: readonly File[],
    private readonly onChange: () => void,
  ) {
    this.items = files.map((file) => ({ file, state: 'waiting', sent: 0, attempts: 0 }));
  }

  /** Resolves once every photo is settled, or the upload stopped (see `fatal`). */
  async start(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finished = resolve));
    // What the server has: after a reload, the photos sent before it.
    const { items } = await api<FlightImages>('GET', `/flights/${this.flightId}/images`);
    const known = new Set(items.flatMap((i) => (i.sha256 ? [i.sha256] : [])));
    const onServer = new Set(known);
    const hasher = new Hasher();
    try {
      for (const item of this.items) {
        if (this.cancelled) break;
        item.state = 'hashing';
        this.onChange();
        try {
          item.sha256 = await hasher.hash(item.file);
        } catch (error) {
          this.fail(item, error);
          continue;
        }
        if (known.has(item.sha256)) item.state = onServer.has(item.sha256) ? 'on-server' : 'duplicate';
        else {
          known.add(item.sha256);
          item.state = 'queued';
          this.queue.push(item);
          this.pump();
        }
        this.onChange();
      }
    } finally {
      hasher.close();
      this.hashing = false;
    }
    this.checkFinished();
    await done;
  }

  /** Sends the failed photos again (the upload must have settled). */
  async retryFailed(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finished = resolve));
    for (const item of this.items)
      if (item.state === 'failed' && item.sha256) {
        item.state = 'queued';
        item.attempts = 0;
        item.error = undefined;
        this.queue.push(item);
      }
    this.fatal = undefined;
    this.pump();
    this.checkFinished();
    await done;
  }

  /** Stops sending: requests under way are aborted (the server keeps nothing of a cut-off upload). */
  cancel(): void {
    this.cancelled = true;
    this.queue.length = 0;
    for (const xhr of this.requests) xhr.abort();
  }

  totals(): Totals {
    const count: Record<ItemState, number> = {
      waiting: 0,
      hashing: 0,
      queued: 0,
      uploading: 0,
      done: 0,
      'on-server': 0,
      duplicate: 0,
      failed: 0,
    };
    let bytes = 0;
    let sentBytes = 0;
    for (const item of this.items) {
      count[item.state]++;
      if (item.state === 'on-server' || item.state === 'duplicate') continue;
      bytes += item.file.size;
      sentBytes += item.state === 'done' ? item.file.size : item.sent;
    }
    const photos = this.items.length;
    const unsettled = count.waiting + count.hashing + count.queued + count.uploading;
    return {
      photos,
      hashed: photos - count.waiting - count.hashing,
      count,
      bytes,
      sentBytes,
      settled: unsettled === 0,
    };
  }

  private pump(): void {
    while (this.active < CONCURRENCY && this.queue.length > 0 && !this.fatal && !this.cancelled) {
      const item = this.queue.shift()!;
      this.active++;
      void this.send(item).finally(() => {
        this.active--;
        this.pump();
        this.checkFinished();
      });
    }
  }

  private checkFinished(): void {
    const idle = this.active === 0 && (this.queue.length === 0 || !!this.fatal || this.cancelled);
    if (!this.hashing && idle) this.finished();
  }

  private fail(item: UploadItem, error: unknown): void {
    item.state = 'failed';
    item.sent = 0;
    item.error = error instanceof Error ? error.message : String(error);
    this.onChange();
  }

  private async send(item: UploadItem): Promise<void> {
    const failure = await this.attempts(item);
    if (failure) this.fail(item, failure);
  }

  /** Sends a photo, again while the failure is a passing one; answers why it failed for good. */
  private async attempts(item: UploadItem): Promise<Error | undefined> {
    for (;;) {
      item.attempts++;
      item.state = 'uploading';
      item.sent = 0;
      this.onChange();
      const answer = await this.put(item);
      // Cancelled: the run is dropped. Another photo's fatal answer does not undo this one's.
      if (this.isCancelled()) return undefined;
      if (answer.status === 200 || answer.status === 201) {
        const { image } = answer.body as UploadedImage;
        // The bytes sent are not those hashed: the file changed on disk in between.
        if (image.sha256 !== item.sha256) return new Error('the file changed while it was uploaded');
        item.state = 'done';
        this.onChange();
        return undefined;
      }
      const problem = problemOf(answer);
      // The flight was completed or is gone, or the token no longer works: no other photo can go either.
      if ([401, 403, 404, 409].includes(answer.status)) {
        this.fatal = problem;
        this.queue.length = 0;
        return problem;
      }
      if (!TRANSIENT.has(answer.status) || item.attempts >= MAX_ATTEMPTS) return problem;
      item.state = 'queued';
      item.sent = 0;
      this.onChange();
      await sleep(answer.retryAfter ?? Math.min(30_000, 1000 * 2 ** (item.attempts - 1)));
      if (this.stopping()) return problem;
    }
  }

  // Methods, not fields: TypeScript keeps a field's narrowing across an await, where it can change.
  private isCancelled(): boolean {
    return this.cancelled;
  }

  private stopping(): boolean {
    return this.cancelled || this.fatal !== undefined;
  }

  /** XMLHttpRequest rather than fetch: it reports upload progress, and sends a File without reading it into memory. */
  private put(item: UploadItem): Promise<PutAnswer> {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      this.requests.add(xhr);
      xhr.open('PUT', `/api/v1/flights/${this.flightId}/images/${encodeURIComponent(item.file.name)}`);
      const token = storedToken();
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.setRequestHeader('content-type', 'image/jpeg');
      xhr.responseType = 'json';
      xhr.upload.onprogress = (event) => {
        item.sent = event.loaded;
        this.onChange();
      };
      const settle = () => {
        this.requests.delete(xhr);
        const retryAfter = Number(xhr.getResponseHeader('retry-after'));
        resolve({
          status: xhr.status,
          body: xhr.response,
          retryAfter: retryAfter > 0 ? retryAfter * 1000 : undefined,
        });
      };
      xhr.onload = settle;
      xhr.onerror = settle;
      xhr.onabort = settle;
      xhr.ontimeout = settle;
      xhr.send(item.file);
    });
  }
}

function problemOf(answer: PutAnswer): ApiError {
  const body = (answer.body ?? {}) as { title?: string; detail?: string };
  if (answer.status === 0)
    return new ApiError({ status: 0, title: 'network error', detail: 'the connection failed or was cut' });
  return new ApiError({ status: answer.status, title: body.title ?? String(answer.status), detail: body.detail ?? '' });
}
