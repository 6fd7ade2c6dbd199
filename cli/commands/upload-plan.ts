/**
 * The decisions `hazardscope upload` makes, kept apart from its I/O so they can be tested on tables:
 * which flight to upload into, what to do with each photo, what a server answer means, how long
 * to wait before a retry, and what to report at the end.
 */
import type { CaptureRecord } from '../../pipeline/geo/capture.js';
import { type Extent, withinExtent } from '../../pipeline/domain/regions.js';

export interface RemoteFlight {
  id: string;
  name: string;
  status: string;
}

export type FlightChoice =
  | { kind: 'create' }
  | { kind: 'resume'; flightId: string }
  /** The newest flight of that name is completed: it is this upload, done, if it holds every photo. */
  | { kind: 'check-completed'; flightId: string };

/**
 * The flight a named upload goes into. `flights` are newest first, as the API lists them. An
 * unfinished flight of the same name is resumed (a killed upload run again); a completed one is
 * the same upload only if it already holds every photo, else the name is being reused for a new
 * flight.
 */
export function chooseFlight(flights: readonly RemoteFlight[], name: string): FlightChoice {
  const same = flights.find((f) => f.name === name);
  if (!same) return { kind: 'create' };
  return same.status === 'completed'
    ? { kind: 'check-completed', flightId: same.id }
    : { kind: 'resume', flightId: same.id };
}

export function holdsEvery(flightSha256s: ReadonlySet<string>, local: Iterable<string>): boolean {
  for (const sha of local) if (!flightSha256s.has(sha)) return false;
  return true;
}

type PhotoAction = 'upload' | 'in-flight' | 'duplicate';

/**
 * What to do with a hashed photo: the flight has those bytes already; another file of this run
 * has the same bytes (the server would keep one image, so sending both is wasted); or send it.
 * `claimed` is updated, so the second of two identical files is the duplicate.
 */
export function photoAction(sha256: string, inFlight: ReadonlySet<string>, claimed: Set<string>): PhotoAction {
  if (inFlight.has(sha256)) return 'in-flight';
  if (claimed.has(sha256)) return 'duplicate';
  claimed.add(sha256);
  return 'upload';
}

/**
 * What an HTTP status means for an upload: retry (the server or something in between is busy or
 * away), reject (this photo will never be accepted: not a JPEG, too large, a bad name), or fatal
 * (nothing else will work either: the token, the flight).
 */
export type Verdict = 'ok' | 'retry' | 'reject' | 'fatal';

export function classifyStatus(status: number): Verdict {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  if (status === 400 || status === 413 || status === 415 || status === 422) return 'reject';
  return 'fatal';
}

export interface RetryPolicy {
  /** Retries after the first try. */
  retries: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, baseMs: 500, capMs: 30_000 };

/**
 * Wait before retry `attempt` (1 for the first retry): exponential with full jitter, so parallel
 * uploads that failed together do not come back together; never shorter than the server's
 * Retry-After.
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
  const jittered = Math.round(ceiling * random());
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.capMs));
}

/** Retry-After as milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Why a photo's position is worth a look before it is uploaded, or undefined when it is fine. */
export function positionWarning(
  capture: Pick<CaptureRecord, 'latitude' | 'longitude' | 'error'>,
  region: (Extent & { name: string; code: string }) | undefined,
): string | undefined {
  if (capture.latitude === undefined || capture.longitude === undefined)
    return capture.error ? `no GPS position (${capture.error})` : 'no GPS position';
  if (region && !withinExtent(region, capture.latitude, capture.longitude))
    return `taken at ${capture.latitude.toFixed(5)}, ${capture.longitude.toFixed(5)}, outside ${region.name}${region.code ? ` (region ${region.code})` : ''}`;
  return undefined;
}

export type Outcome = 'uploaded' | 'skipped' | 'rejected' | 'failed';

export interface PhotoResult {
  file: string;
  bytes: number;
  outcome: Outcome;
  /** Why it was skipped, rejected or failed. */
  reason?: string;
}

export interface UploadSummary {
  flightId: string | undefined;
  completed: boolean;
  uploaded: number;
  skipped: number;
  rejected: Array<{ file: string; reason: string }>;
  failed: Array<{ file: string; reason: string }>;
  uploadedBytes: number;
  seconds: number;
  photosPerSecond: number;
  megabytesPerSecond: number;
  exitCode: 0 | 1;
}

/** Counts and rates; photos that did not reach the flight make the exit code 1. */
export function summarise(
  results: readonly PhotoResult[],
  flight: { id: string | undefined; completed: boolean },
  seconds: number,
): UploadSummary {
  const of = (outcome: Outcome) => results.filter((r) => r.outcome === outcome);
  const uploaded = of('uploaded');
  const uploadedBytes = uploaded.reduce((n, r) => n + r.bytes, 0);
  const reasons = (rs: PhotoResult[]) => rs.map((r) => ({ file: r.file, reason: r.reason ?? 'unknown' }));
  const rejected = reasons(of('rejected'));
  const failed = reasons(of('failed'));
  const perSecond = (n: number) => (seconds > 0 ? n / seconds : 0);
  return {
    flightId: flight.id,
    completed: flight.completed,
    uploaded: uploaded.length,
    skipped: of('skipped').length,
    rejected,
    failed,
    uploadedBytes,
    seconds,
    photosPerSecond: perSecond(uploaded.length),
    megabytesPerSecond: perSecond(uploadedBytes / 1e6),
    exitCode: rejected.length + failed.length > 0 || !flight.completed ? 1 : 0,
  };
}

export function formatSummary(s: UploadSummary): string {
  const lines = [
    `Flight ${s.flightId ?? '(none)'}: ${s.completed ? 'completed' : 'left open'}`,
    `  uploaded  ${s.uploaded} (${(s.uploadedBytes / 1e6).toFixed(1)} MB in ${s.seconds.toFixed(1)} s: ${s.photosPerSecond.toFixed(1)} photos/s, ${s.megabytesPerSecond.toFixed(1)} MB/s)`,
    `  skipped   ${s.skipped} (already in the flight)`,
    `  rejected  ${s.rejected.length}`,
    ...s.rejected.map((r) => `    ${r.file}: ${r.reason}`),
  ];
  if (s.failed.length > 0)
    lines.push(`  failed    ${s.failed.length}`, ...s.failed.map((r) => `    ${r.file}: ${r.reason}`));
  if (!s.completed && s.flightId)
    lines.push(
      s.rejected.length > 0
        ? 'Remove or fix the rejected photos and run the same command again to finish the flight.'
        : 'Run the same command again to finish the flight; photos already sent are skipped.',
    );
  return lines.join('\n');
}
