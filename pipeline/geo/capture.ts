import exifr from 'exifr';

/** What a photo says about how it was taken, normalised; absent fields are left out. */
export interface CaptureRecord {
  latitude?: number;
  longitude?: number;
  gpsAltitudeM?: number;
  relativeAltitudeM?: number;
  absoluteAltitudeM?: number;
  gimbalPitchDeg?: number;
  gimbalYawDeg?: number;
  gimbalRollDeg?: number;
  flightYawDeg?: number;
  make?: string;
  model?: string;
  focalLengthMm?: number;
  focalLength35mm?: number;
  /** ISO 8601; with the camera's UTC offset when the photo records one (OffsetTimeOriginal). */
  takenAt?: string;
  /** False when the photo gives local time without a zone: takenAt is then local, not UTC. */
  takenAtHasOffset?: boolean;
  exifWidth?: number;
  exifHeight?: number;
  /** Why metadata could not be read, when it could not. */
  error?: string;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Reads EXIF, GPS and DJI XMP (drone-dji) from JPEG bytes. Never throws: errors are recorded. */
export async function readCapture(bytes: Buffer): Promise<CaptureRecord> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await exifr.parse(bytes, { tiff: true, exif: true, gps: true, xmp: true, ifd1: false, interop: false, reviveValues: false });
  } catch (error) {
    return { error: `metadata unreadable: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!tags) return {};
  const record: CaptureRecord = {};
  const set = <K extends keyof CaptureRecord>(key: K, value: CaptureRecord[K] | undefined) => {
    if (value !== undefined) record[key] = value;
  };
  set('latitude', num(tags.latitude));
  set('longitude', num(tags.longitude));
  const gpsAltitude = num(tags.GPSAltitude);
  // GPSAltitudeRef 1 means below sea level (DJI writes it for negative ellipsoid heights).
  const below = tags.GPSAltitudeRef === 1 || (tags.GPSAltitudeRef as Record<string, number> | undefined)?.[0] === 1;
  set('gpsAltitudeM', gpsAltitude === undefined ? undefined : below ? -gpsAltitude : gpsAltitude);
  set('relativeAltitudeM', num(tags.RelativeAltitude));
  set('absoluteAltitudeM', num(tags.AbsoluteAltitude));
  set('gimbalPitchDeg', num(tags.GimbalPitchDegree));
  set('gimbalYawDeg', num(tags.GimbalYawDegree));
  set('gimbalRollDeg', num(tags.GimbalRollDegree));
  set('flightYawDeg', num(tags.FlightYawDegree));
  set('make', str(tags.Make));
  set('model', str(tags.Model));
  set('focalLengthMm', num(tags.FocalLength));
  set('focalLength35mm', num(tags.FocalLengthIn35mmFormat));
  const taken = exifDateTime(str(tags.DateTimeOriginal), str(tags.OffsetTimeOriginal) ?? str(tags.OffsetTime));
  set('takenAt', taken?.iso);
  set('takenAtHasOffset', taken?.hasOffset);
  set('exifWidth', num(tags.ExifImageWidth));
  set('exifHeight', num(tags.ExifImageHeight));
  return record;
}

/**
 * EXIF writes local time ("2026:03:07 13:41:00") and, since EXIF 2.31, its offset ("+08:00")
 * separately. Combined here without guessing a zone: cameras rarely know UTC.
 */
export function exifDateTime(local: string | undefined, offset: string | undefined): { iso: string; hasOffset: boolean } | undefined {
  const m = local && /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(local);
  if (!m) return undefined;
  const base = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
  const zone = offset && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : undefined;
  return zone ? { iso: `${base}${zone}`, hasOffset: true } : { iso: base, hasOffset: false };
}
