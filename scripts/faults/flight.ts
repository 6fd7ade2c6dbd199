import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sleep } from './processes.js';

export interface Photo {
  filename: string;
  /** The demo photo it was made from: photos of one source hold the same pixels, so the same detections. */
  source: string;
  bytes: Buffer;
  sha256: string;
}

/**
 * `count` distinct photos made from the demo flight: each gets a comment segment (COM) of its own
 * after the APPn segments (EXIF stays first, where readers look for it), so its bytes and sha256
 * differ while its pixels, position and detections stay those of the source.
 */
export async function makePhotos(demoDir: string, count: number, tag: string): Promise<Photo[]> {
  const sources = (await readdir(demoDir)).filter((n) => /\.jpe?g$/i.test(n)).sort();
  if (sources.length === 0) throw new Error(`no JPEG in ${demoDir}`);
  const originals = await Promise.all(sources.map((n) => readFile(path.join(demoDir, n))));
  return Array.from({ length: count }, (_, i) => {
    const source = sources[i % sources.length]!;
    const bytes = withComment(originals[i % sources.length]!, `hazardscope fault suite ${tag} photo ${i}`);
    return {
      filename: `${tag}_${String(i).padStart(3, '0')}.JPG`,
      source,
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  });
}

function withComment(jpeg: Buffer, text: string): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  let at = 2;
  // Skip APP0..APP15: the comment goes after them.
  while (jpeg[at] === 0xff && jpeg[at + 1]! >= 0xe0 && jpeg[at + 1]! <= 0xef) at += 2 + jpeg.readUInt16BE(at + 2);
  const body = Buffer.from(text, 'utf8');
  const segment = Buffer.alloc(4 + body.length);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(2 + body.length, 2);
  body.copy(segment, 4);
  return Buffer.concat([jpeg.subarray(0, at), segment, jpeg.subarray(at)]);
}

class ClientGaveUp extends Error {}

/**
 * Talks to the API as a patient client would: a refused connection, a cut-off response, a 5xx
 * or a 429 is retried (after Retry-After when given, else with backoff up to 5 s) until
 * `patienceMs` has passed; any other 4xx is a real error and is thrown at once.
 */
export class RetryingClient {
  /** Requests that had to be sent again. */
  retries = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly patienceMs: number,
  ) {}

  async call(
    method: string,
    pathname: string,
    body?: { json: unknown } | { jpeg: Buffer },
  ): Promise<{ status: number; body: unknown }> {
    const deadline = Date.now() + this.patienceMs;
    let backoffMs = 500;
    let last = '';
    for (;;) {
      let waitMs = backoffMs;
      try {
        const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
        let payload: BodyInit | undefined;
        if (body && 'json' in body) {
          headers['content-type'] = 'application/json';
          payload = JSON.stringify(body.json);
        } else if (body) {
          headers['content-type'] = 'image/jpeg';
          payload = new Uint8Array(body.jpeg);
        }
        const res = await fetch(`${this.baseUrl}${pathname}`, {
          method,
          headers,
          body: payload,
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        const parsed: unknown =
          text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
        if (res.status < 400) return { status: res.status, body: parsed };
        last = `${res.status} ${text.slice(0, 300)}`;
        if (res.status < 500 && res.status !== 429 && res.status !== 408)
          throw new ClientGaveUp(`${method} ${pathname} answered ${last}`);
        const retryAfter = Number(res.headers.get('retry-after'));
        if (Number.isFinite(retryAfter) && retryAfter > 0) waitMs = Math.min(retryAfter * 1000, 10_000);
      } catch (error) {
        if (error instanceof ClientGaveUp) throw error;
        last = describe(error);
      }
      if (Date.now() + waitMs > deadline)
        throw new ClientGaveUp(`${method} ${pathname} still failing after ${this.patienceMs / 1000} s: ${last}`);
      this.retries++;
      await sleep(waitMs);
      backoffMs = Math.min(backoffMs * 2, 5000);
    }
  }
}

/**
 * Uploads every photo into the flight (calling `onUploaded` after each, so a scenario can strike at
 * a chosen point of the upload) and completes it.
 */
export async function flyFlight(
  client: RetryingClient,
  flightId: string,
  photos: readonly Photo[],
  onUploaded: (count: number) => Promise<void>,
): Promise<void> {
  let uploaded = 0;
  for (const photo of photos) {
    await client.call('PUT', `/api/v1/flights/${flightId}/images/${photo.filename}`, { jpeg: photo.bytes });
    await onUploaded(++uploaded);
  }
  await client.call('POST', `/api/v1/flights/${flightId}/complete`);
}

/** fetch hides the reason (ECONNREFUSED, a reset) in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
