/**
 * Writes EXIF (TIFF IFD0, Exif IFD, GPS IFD) and DJI XMP into a JPEG the way DJI aircraft do.
 * Built by hand rather than through an image library so the tags, their types and DJI's signed
 * string format are exactly what real DJI files carry.
 */

export interface PhotoMetadata {
  make: string;
  model: string;
  software: string;
  /** Local time "YYYY:MM:DD HH:MM:SS" as EXIF writes it. */
  dateTimeOriginal: string;
  offsetTime: string;
  focalLengthMm: number;
  focalLength35mm: number;
  fNumber: number;
  exposureTimeS: number;
  iso: number;
  pixelWidth: number;
  pixelHeight: number;
  latitude: number;
  longitude: number;
  absoluteAltitudeM: number;
  relativeAltitudeM: number;
  gimbalRollDeg: number;
  gimbalPitchDeg: number;
  gimbalYawDeg: number;
  flightRollDeg: number;
  flightPitchDeg: number;
  flightYawDeg: number;
}

const enum TiffType {
  Byte = 1,
  Ascii = 2,
  Short = 3,
  Long = 4,
  Rational = 5,
  Undefined = 7,
  SRational = 10,
}

interface Entry {
  tag: number;
  type: TiffType;
  values: number[] | string | Uint8Array;
}

const TYPE_SIZE: Record<TiffType, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 10: 8 };

function rational(value: number, denominator: number): [number, number] {
  return [Math.round(value * denominator), denominator];
}

function dms(degrees: number): number[] {
  const abs = Math.abs(degrees);
  const d = Math.floor(abs);
  const minutesFull = (abs - d) * 60;
  const m = Math.floor(minutesFull);
  const s = (minutesFull - m) * 60;
  // DJI writes seconds with 10^-4 resolution (about 3 mm of latitude); we keep 10^-6 so ground truth survives.
  return [d, 1, m, 1, ...rational(s, 1_000_000)];
}

function entryCount(e: Entry): number {
  if (typeof e.values === 'string') return e.values.length + 1;
  if (e.values instanceof Uint8Array) return e.values.length;
  return e.type === TiffType.Rational || e.type === TiffType.SRational ? e.values.length / 2 : e.values.length;
}

function writeValues(view: DataView, offset: number, e: Entry): void {
  if (typeof e.values === 'string') {
    for (let i = 0; i < e.values.length; i++) view.setUint8(offset + i, e.values.charCodeAt(i));
    view.setUint8(offset + e.values.length, 0);
    return;
  }
  if (e.values instanceof Uint8Array) {
    e.values.forEach((v, i) => view.setUint8(offset + i, v));
    return;
  }
  e.values.forEach((v, i) => {
    switch (e.type) {
      case TiffType.Byte:
        view.setUint8(offset + i, v);
        break;
      case TiffType.Short:
        view.setUint16(offset + i * 2, v, true);
        break;
      case TiffType.Long:
      case TiffType.Rational:
        view.setUint32(offset + i * 4, v, true);
        break;
      case TiffType.SRational:
        view.setInt32(offset + i * 4, v, true);
        break;
      default:
        throw new Error(`unsupported TIFF type ${e.type}`);
    }
  });
}

/** Lays out one IFD at `start`; returns its bytes and where each entry's value landed. */
function layoutIfd(entries: Entry[], start: number): { bytes: Uint8Array; size: number } {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const headerSize = 2 + sorted.length * 12 + 4;
  let dataSize = 0;
  for (const e of sorted) {
    const size = entryCount(e) * TYPE_SIZE[e.type];
    if (size > 4) dataSize += size + (size % 2);
  }
  const bytes = new Uint8Array(headerSize + dataSize);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, sorted.length, true);
  let dataOffset = headerSize;
  sorted.forEach((e, i) => {
    const at = 2 + i * 12;
    const count = entryCount(e);
    const size = count * TYPE_SIZE[e.type];
    view.setUint16(at, e.tag, true);
    view.setUint16(at + 2, e.type, true);
    view.setUint32(at + 4, count, true);
    if (size <= 4) {
      writeValues(view, at + 8, e);
    } else {
      view.setUint32(at + 8, start + dataOffset, true);
      writeValues(view, dataOffset, e);
      dataOffset += size + (size % 2);
    }
  });
  view.setUint32(2 + sorted.length * 12, 0, true);
  return { bytes, size: bytes.length };
}

function buildExif(m: PhotoMetadata): Uint8Array {
  const gps: Entry[] = [
    { tag: 0x0000, type: TiffType.Byte, values: [2, 3, 0, 0] },
    { tag: 0x0001, type: TiffType.Ascii, values: m.latitude >= 0 ? 'N' : 'S' },
    { tag: 0x0002, type: TiffType.Rational, values: dms(m.latitude) },
    { tag: 0x0003, type: TiffType.Ascii, values: m.longitude >= 0 ? 'E' : 'W' },
    { tag: 0x0004, type: TiffType.Rational, values: dms(m.longitude) },
    { tag: 0x0005, type: TiffType.Byte, values: [m.absoluteAltitudeM < 0 ? 1 : 0] },
    { tag: 0x0006, type: TiffType.Rational, values: rational(Math.abs(m.absoluteAltitudeM), 1000) },
  ];
  const exif: Entry[] = [
    { tag: 0x829a, type: TiffType.Rational, values: rational(m.exposureTimeS, 1_000_000) },
    { tag: 0x829d, type: TiffType.Rational, values: rational(m.fNumber, 100) },
    { tag: 0x8822, type: TiffType.Short, values: [2] },
    { tag: 0x8827, type: TiffType.Short, values: [m.iso] },
    { tag: 0x9000, type: TiffType.Undefined, values: new TextEncoder().encode('0230') },
    { tag: 0x9003, type: TiffType.Ascii, values: m.dateTimeOriginal },
    { tag: 0x9004, type: TiffType.Ascii, values: m.dateTimeOriginal },
    { tag: 0x9011, type: TiffType.Ascii, values: m.offsetTime },
    { tag: 0x920a, type: TiffType.Rational, values: rational(m.focalLengthMm, 100) },
    { tag: 0xa001, type: TiffType.Short, values: [1] },
    { tag: 0xa002, type: TiffType.Long, values: [m.pixelWidth] },
    { tag: 0xa003, type: TiffType.Long, values: [m.pixelHeight] },
    { tag: 0xa405, type: TiffType.Short, values: [m.focalLength35mm] },
  ];
  const ifd0Base: Entry[] = [
    { tag: 0x010f, type: TiffType.Ascii, values: m.make },
    { tag: 0x0110, type: TiffType.Ascii, values: m.model },
    { tag: 0x0112, type: TiffType.Short, values: [1] },
    { tag: 0x011a, type: TiffType.Rational, values: [72, 1] },
    { tag: 0x011b, type: TiffType.Rational, values: [72, 1] },
    { tag: 0x0128, type: TiffType.Short, values: [2] },
    { tag: 0x0131, type: TiffType.Ascii, values: m.software },
    { tag: 0x0132, type: TiffType.Ascii, values: m.dateTimeOriginal },
  ];
  // IFD0 holds the pointers to the Exif and GPS IFDs, so its size is known before their offsets.
  const withPointers = (exifAt: number, gpsAt: number): Entry[] => [
    ...ifd0Base,
    { tag: 0x8769, type: TiffType.Long, values: [exifAt] },
    { tag: 0x8825, type: TiffType.Long, values: [gpsAt] },
  ];
  const ifd0Start = 8;
  const ifd0Size = layoutIfd(withPointers(0, 0), ifd0Start).size;
  const exifStart = ifd0Start + ifd0Size;
  const exifIfd = layoutIfd(exif, exifStart);
  const gpsStart = exifStart + exifIfd.size;
  const gpsIfd = layoutIfd(gps, gpsStart);
  const ifd0 = layoutIfd(withPointers(exifStart, gpsStart), ifd0Start);

  const tiff = new Uint8Array(gpsStart + gpsIfd.size);
  tiff.set([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]);
  tiff.set(ifd0.bytes, ifd0Start);
  tiff.set(exifIfd.bytes, exifStart);
  tiff.set(gpsIfd.bytes, gpsStart);
  const header = new TextEncoder().encode('Exif\0\0');
  const payload = new Uint8Array(header.length + tiff.length);
  payload.set(header);
  payload.set(tiff, header.length);
  return payload;
}

/** DJI's XMP signed-string format: "+29.40", "-90.00". */
function djiSigned(value: number): string {
  const fixed = Math.abs(value).toFixed(2);
  return `${value < 0 && fixed !== '0.00' ? '-' : '+'}${fixed}`;
}

function buildXmp(m: PhotoMetadata): Uint8Array {
  const date = m.dateTimeOriginal.slice(0, 10).replace(/:/g, '-');
  const xml = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="DJI Meta Data"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
    xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"
   xmp:ModifyDate="${date}"
   xmp:CreateDate="${date}"
   tiff:Make="${m.make}"
   tiff:Model="${m.model}"
   dc:format="image/jpeg"
   drone-dji:AbsoluteAltitude="${djiSigned(m.absoluteAltitudeM)}"
   drone-dji:RelativeAltitude="${djiSigned(m.relativeAltitudeM)}"
   drone-dji:GimbalRollDegree="${djiSigned(m.gimbalRollDeg)}"
   drone-dji:GimbalYawDegree="${djiSigned(m.gimbalYawDeg)}"
   drone-dji:GimbalPitchDegree="${djiSigned(m.gimbalPitchDeg)}"
   drone-dji:FlightRollDegree="${djiSigned(m.flightRollDeg)}"
   drone-dji:FlightYawDegree="${djiSigned(m.flightYawDeg)}"
   drone-dji:FlightPitchDegree="${djiSigned(m.flightPitchDeg)}"
   drone-dji:RtkFlag="50"
   drone-dji:CamReverse="0"
   drone-dji:GimbalReverse="0">
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
  const header = new TextEncoder().encode('http://ns.adobe.com/xap/1.0/\0');
  const body = new TextEncoder().encode(xml);
  const payload = new Uint8Array(header.length + body.length);
  payload.set(header);
  payload.set(body, header.length);
  return payload;
}

function segment(marker: number, payload: Uint8Array): Uint8Array {
  if (payload.length + 2 > 0xffff) throw new Error('metadata segment too large');
  const out = new Uint8Array(payload.length + 4);
  out[0] = 0xff;
  out[1] = marker;
  out[2] = (payload.length + 2) >> 8;
  out[3] = (payload.length + 2) & 0xff;
  out.set(payload, 4);
  return out;
}

/** Replaces the JFIF header of an encoded JPEG with DJI-style EXIF and XMP segments. */
export function embedMetadata(jpeg: Uint8Array, m: PhotoMetadata): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  let rest = 2;
  // Drop existing APP0/APP1 segments so ours come first, as in camera files.
  while (jpeg[rest] === 0xff && (jpeg[rest + 1] === 0xe0 || jpeg[rest + 1] === 0xe1)) {
    rest += 2 + ((jpeg[rest + 2]! << 8) | jpeg[rest + 3]!);
  }
  return Buffer.concat([
    jpeg.subarray(0, 2),
    segment(0xe1, buildExif(m)),
    segment(0xe1, buildXmp(m)),
    jpeg.subarray(rest),
  ]);
}
