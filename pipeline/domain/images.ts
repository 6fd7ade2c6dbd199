/** Object keys and image states. Pure. */

export const IMAGE_STATUSES = ['registered', 'queued', 'processing', 'processed', 'failed', 'duplicate'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

export type RegisteredVia = 'api' | 's3-event' | 'reconcile';

const FLIGHTS_PREFIX = 'flights/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256 = /^[0-9a-f]{64}$/;

export const ACCEPTED_CONTENT_TYPES = ['image/jpeg'] as const;

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
