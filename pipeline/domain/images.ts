/** Object keys and image states. Pure. */

/**
 * `duplicate`: the same bytes were processed in another flight of the organisation, and the photo
 * links to that one (`duplicateOf`) instead of being detected and reviewed again. `held`: taken
 * outside the bureau's region; stored, not detected, until a person processes it anyway or leaves it
 * (domain/ingest-rules.ts).
 */
export const IMAGE_STATUSES = [
  'registered',
  'queued',
  'processing',
  'processed',
  'failed',
  'duplicate',
  'held',
] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** permanent: the photo can never be processed (unreadable); transient: an outage, retried automatically. */
export const FAILURE_KINDS = ['permanent', 'transient'] as const;

export type RegisteredVia = 'api' | 's3-event' | 'reconcile';

const FLIGHTS_PREFIX = 'flights/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256 = /^[0-9a-f]{64}$/;

export const ACCEPTED_CONTENT_TYPES = ['image/jpeg'] as const;

/**
 * Whether bytes start as every JPEG does: SOI (FF D8) and the next marker's FF. A PNG or a text
 * file sent as image/jpeg does not; the declared type alone proves nothing.
 */
export function hasJpegSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/**
 * C0 controls (CR, LF, tab, NUL …), DEL and C1 controls: no file name needs them, and CR/LF in a
 * name end up in headers (Content-Disposition), logs and CSV exports, where they split lines.
 */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

export function flightPrefix(flightId: string): string {
  return `${FLIGHTS_PREFIX}${flightId}/`;
}

/**
 * Originals uploaded through the API are content-addressed, so the same bytes always land on the
 * same key and a second upload changes nothing.
 */
export function contentAddressedKey(flightId: string, sha256: string): string {
  return `${flightPrefix(flightId)}${sha256}.jpg`;
}

interface ParsedKey {
  flightId: string;
  /** The sha256 the key declares, for content-addressed keys. */
  declaredSha256: string | undefined;
}

/** Which flight an object belongs to, from its key; undefined for keys outside flights/<uuid>/. */
export function parseObjectKey(key: string): ParsedKey | undefined {
  if (!key.startsWith(FLIGHTS_PREFIX)) return undefined;
  const rest = key.slice(FLIGHTS_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  const flightId = rest.slice(0, slash);
  if (!UUID.test(flightId)) return undefined;
  const name = rest.slice(slash + 1);
  const stem = name.replace(/\.jpe?g$/i, '');
  return { flightId, declaredSha256: name !== stem && SHA256.test(stem) ? stem : undefined };
}

/** S3 event keys are URL-encoded, with '+' for spaces (as in form encoding). */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}
