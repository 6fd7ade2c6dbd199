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
  takenAt?: string;
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
    tags = await exifr.parse(bytes, { tiff: true, exif: true, gps: true, xmp: true, ifd1: false, interop: false, reviveValues: true });
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
  const taken = tags.DateTimeOriginal;
  set('takenAt', taken instanceof Date && !Number.isNaN(taken.getTime()) ? taken.toISOString() : str(taken));
  set('exifWidth', num(tags.ExifImageWidth));
  set('exifHeight', num(tags.ExifImageHeight));
  return record;
}
