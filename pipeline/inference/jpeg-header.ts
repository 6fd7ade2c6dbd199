/**
 * Size and EXIF orientation of a JPEG from its header segments, without a decoder: the whole-frame
 * path needs them before decoding (to ask libjpeg for the reduced size), and sharp's metadata()
 * parses far more (7 ms on one real DJI file, against microseconds here). Anything unexpected
 * returns undefined and the caller asks sharp. Pure.
 */

interface JpegHeader {
  width: number;
  height: number;
  /** EXIF orientation 1–8; 1 when absent. */
  orientation: number;
}

// Start-of-frame markers carry the size: C0–CF except DHT (C4), JPG (C8) and DAC (CC).
const isStartOfFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let orientation = 1;
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return undefined;
    const marker = bytes[pos + 1]!;
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // no frame header before the scan
    const length = view.getUint16(pos + 2);
    const start = pos + 4;
    if (length < 2 || start + length - 2 > bytes.length) return undefined;
    if (marker === 0xe1 && length >= 16 && isExif(bytes, start))
      orientation = exifOrientation(view, start + 6, start + length - 2) ?? orientation;
    if (isStartOfFrame(marker)) {
      if (length < 7) return undefined;
      const height = view.getUint16(start + 1);
      const width = view.getUint16(start + 3);
      if (width === 0 || height === 0) return undefined;
      return { width, height, orientation };
    }
    pos = start + length - 2;
  }
  return undefined;
}

function isExif(bytes: Uint8Array, at: number): boolean {
  return (
    bytes[at] === 0x45 &&
    bytes[at + 1] === 0x78 &&
    bytes[at + 2] === 0x69 &&
    bytes[at + 3] === 0x66 &&
    bytes[at + 4] === 0 &&
    bytes[at + 5] === 0
  );
}

/** Orientation tag (0x0112) of IFD0 in the TIFF structure at `tiff`, or undefined. */
function exifOrientation(view: DataView, tiff: number, end: number): number | undefined {
  if (tiff + 8 > end) return undefined;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return undefined;
  const little = order === 0x4949;
  if (view.getUint16(tiff + 2, little) !== 42) return undefined;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return undefined;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return undefined;
    if (view.getUint16(entry, little) !== 0x0112) continue;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : undefined;
  }
  return undefined;
}
