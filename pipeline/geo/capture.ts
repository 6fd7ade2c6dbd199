import exifr from 'exifr';
import { droneDjiFields, xmpInExif } from './xmp-in-exif.js';

/** Where a capture value was read from. */
export type CaptureSource = 'exif' | 'gps' | 'xmp' | 'makernote' | 'pixels';

/** What a photo says about how it was taken, normalised; absent fields are left out. */
export interface CaptureRecord {
  latitude?: number;
  longitude?: number;
  /** Signed: EXIF stores a magnitude and a below-sea-level flag. */
  gpsAltitudeM?: number;
  /** Height above the take-off point (DJI XMP RelativeAltitude): the height that projects photos. */
  relativeAltitudeM?: number;
  absoluteAltitudeM?: number;
  gimbalPitchDeg?: number;
  gimbalYawDeg?: number;
  gimbalRollDeg?: number;
  flightPitchDeg?: number;
  flightYawDeg?: number;
  flightRollDeg?: number;
  /** DJI RtkFlag: 0 none, 16 single, 34 float, 50 fixed. */
  rtkFlag?: number;
  /** Calibrated focal length in pixels of the sensor's full-resolution image (DJI XMP). */
  calibratedFocalLengthPx?: number;
  make?: string;
  model?: string;
  focalLengthMm?: number;
  focalLength35mm?: number;
  /** ISO 8601; with the camera's UTC offset when the photo records one (OffsetTimeOriginal). */
  takenAt?: string;
  /** False when the photo gives local time without a zone: takenAt is then local, not UTC. */
  takenAtHasOffset?: boolean;
  /** Size the EXIF claims; may disagree with the pixels (odm_1JI_0064.JPG says 1800×2400 for 2400×1800). */
  exifWidth?: number;
  exifHeight?: number;
  /** EXIF orientation 1–8 (1 when the pixels are stored upright). */
  orientation?: number;
  /** Size of the decoded, upright pixels: the one to trust. */
  pixelWidth?: number;
  pixelHeight?: number;
  /** Where each field above came from. */
  sources: Partial<Record<Exclude<keyof CaptureRecord, 'sources' | 'error'>, CaptureSource>>;
  /** Why metadata could not be read, when it could not. */
  error?: string;
}

/** A number from EXIF/XMP: DJI writes signed strings ("+29.40") and plain decimals ("34.400002"). */
export function parseDjiNumber(value: unknown): number | undefined {
  return num(value);
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value.trim())))
    return Number(value.trim());
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.replace(/\0+$/, '').trim() || undefined : undefined;
}

/** Reads EXIF, GPS, DJI XMP (drone-dji) and DJI maker notes from JPEG bytes. Never throws: errors are recorded. */
export async function readCapture(bytes: Buffer): Promise<CaptureRecord> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = (await exifr.parse(bytes, {
      tiff: true,
      exif: true,
      gps: true,
      xmp: true,
      makerNote: true,
      ifd1: false,
      interop: false,
      reviveValues: false,
      translateValues: false,
    })) as Record<string, unknown> | undefined;
  } catch (error) {
    return { sources: {}, error: `metadata unreadable: ${error instanceof Error ? error.message : String(error)}` };
  }
  const record: CaptureRecord = { sources: {} };
  if (!tags) return record;
  const set = <K extends Exclude<keyof CaptureRecord, 'sources' | 'error'>>(
    key: K,
    value: CaptureRecord[K] | undefined,
    source: CaptureSource,
  ) => {
    if (value === undefined || record[key] !== undefined) return;
    record[key] = value;
    record.sources[key] = source;
  };
  set('latitude', num(tags.latitude), 'gps');
  set('longitude', num(tags.longitude), 'gps');
  const gpsAltitude = num(tags.GPSAltitude);
  // GPSAltitudeRef 1 means below sea level (DJI writes it for negative ellipsoid heights).
  const ref = tags.GPSAltitudeRef;
  const below = ref === 1 || (ref instanceof Uint8Array && ref[0] === 1) || (Array.isArray(ref) && ref[0] === 1);
  set('gpsAltitudeM', gpsAltitude === undefined ? undefined : below ? -gpsAltitude : gpsAltitude, 'gps');
  // Thermal and enterprise payloads keep the same fields in the EXIF block (xmp-in-exif.ts).
  const inExif =
    tags.RelativeAltitude === undefined && tags.GimbalPitchDegree === undefined ? xmpInExif(bytes) : undefined;
  if (inExif) Object.assign(tags, droneDjiFields(inExif));
  set('relativeAltitudeM', num(tags.RelativeAltitude), 'xmp');
  set('absoluteAltitudeM', num(tags.AbsoluteAltitude), 'xmp');
  set('gimbalPitchDeg', num(tags.GimbalPitchDegree), 'xmp');
  set('gimbalYawDeg', num(tags.GimbalYawDegree), 'xmp');
  set('gimbalRollDeg', num(tags.GimbalRollDegree), 'xmp');
  set('flightPitchDeg', num(tags.FlightPitchDegree), 'xmp');
  set('flightYawDeg', num(tags.FlightYawDegree), 'xmp');
  set('flightRollDeg', num(tags.FlightRollDegree), 'xmp');
  set('rtkFlag', num(tags.RtkFlag), 'xmp');
  set('calibratedFocalLengthPx', num(tags.CalibratedFocalLength), 'xmp');
  // Older DJI cameras (Phantom 3) have no XMP; their maker notes carry the same angles.
  const notes =
    tags.makerNote instanceof Uint8Array && str(tags.Make) === 'DJI' ? readDjiMakerNote(tags.makerNote) : {};
  set('gimbalPitchDeg', notes.cameraPitch, 'makernote');
  set('gimbalYawDeg', notes.cameraYaw, 'makernote');
  set('gimbalRollDeg', notes.cameraRoll, 'makernote');
  set('flightPitchDeg', notes.pitch, 'makernote');
  set('flightYawDeg', notes.yaw, 'makernote');
  set('flightRollDeg', notes.roll, 'makernote');
  set('make', str(tags.Make), 'exif');
  set('model', str(tags.Model), 'exif');
  set('focalLengthMm', num(tags.FocalLength), 'exif');
  set('focalLength35mm', num(tags.FocalLengthIn35mmFormat), 'exif');
  const taken = exifDateTime(str(tags.DateTimeOriginal), str(tags.OffsetTimeOriginal) ?? str(tags.OffsetTime));
  set('takenAt', taken?.iso, 'exif');
  set('takenAtHasOffset', taken?.hasOffset, 'exif');
  set('orientation', num(tags.Orientation), 'exif');
  set('exifWidth', num(tags.ExifImageWidth), 'exif');
  set('exifHeight', num(tags.ExifImageHeight), 'exif');
  return record;
}

/** Adds the decoded pixel size, which wins over the EXIF size wherever a size is needed. */
export function withPixelSize(record: CaptureRecord, width: number, height: number): CaptureRecord {
  return {
    ...record,
    pixelWidth: width,
    pixelHeight: height,
    sources: { ...record.sources, pixelWidth: 'pixels', pixelHeight: 'pixels' },
  };
}

interface DjiMakerNote {
  pitch?: number;
  yaw?: number;
  roll?: number;
  cameraPitch?: number;
  cameraYaw?: number;
  cameraRoll?: number;
}

// DJI maker-note tags (as ExifTool documents them): floats, little-endian, one IFD.
const DJI_TAGS: Record<number, keyof DjiMakerNote> = {
  0x06: 'pitch',
  0x07: 'yaw',
  0x08: 'roll',
  0x09: 'cameraPitch',
  0x0a: 'cameraYaw',
  0x0b: 'cameraRoll',
};
const TIFF_FLOAT = 11;

/** The angles in a DJI maker note; whatever cannot be read is left out. */
export function readDjiMakerNote(note: Uint8Array): DjiMakerNote {
  const result: DjiMakerNote = {};
  if (note.length < 2) return result;
  const view = new DataView(note.buffer, note.byteOffset, note.byteLength);
  const count = view.getUint16(0, true);
  for (let i = 0; i < count; i++) {
    const entry = 2 + i * 12;
    if (entry + 12 > note.length) break;
    const key = DJI_TAGS[view.getUint16(entry, true)];
    if (!key || view.getUint16(entry + 2, true) !== TIFF_FLOAT || view.getUint32(entry + 4, true) !== 1) continue;
    const value = view.getFloat32(entry + 8, true);
    // Stored as float32: round away the binary noise (-0.2 reads back as -0.200000003).
    if (Number.isFinite(value)) result[key] = Math.round(value * 1e4) / 1e4;
  }
  return result;
}

/**
 * EXIF writes local time ("2026:03:07 13:41:00") and, since EXIF 2.31, its offset ("+08:00")
 * separately. Combined here without guessing a zone: cameras rarely know UTC.
 */
export function exifDateTime(
  local: string | undefined,
  offset: string | undefined,
): { iso: string; hasOffset: boolean } | undefined {
  const m = local && /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(local);
  if (!m) return undefined;
  const base = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
  // Cameras without a clock set write "0000:00:00 00:00:00"; a date that does not exist is no time.
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const asUtc = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    year < 1900 ||
    asUtc.getUTCMonth() !== month - 1 ||
    asUtc.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return undefined;
  const zone = offset && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : undefined;
  return zone ? { iso: `${base}${zone}`, hasOffset: true } : { iso: base, hasOffset: false };
}
