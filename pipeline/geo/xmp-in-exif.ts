/**
 * DJI's thermal and enterprise payloads (Zenmuse XT2, H20T and others) write their drone-dji XMP as
 * TIFF tag 0x02BC inside the EXIF block, in element form with unsigned decimals, rather than as an
 * XMP segment; exifr reads neither from a JPEG. This finds that packet and reads the drone-dji
 * fields from it, whichever form (attributes or elements) they are written in.
 */
const SOI = 0xffd8;
const SOS = 0xda;
const APP1 = 0xe1;
const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');

/** The XMP packet inside the JPEG's EXIF block, or undefined when there is none. */
export function xmpInExif(bytes: Uint8Array): string | undefined {
  const jpeg = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (jpeg.length < 4 || jpeg.readUInt16BE(0) !== SOI) return undefined;
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker === SOS) return undefined;
    const length = jpeg.readUInt16BE(at + 2);
    const segment = jpeg.subarray(at + 4, at + 2 + length);
    if (marker === APP1 && segment.subarray(0, EXIF_HEADER.length).equals(EXIF_HEADER)) {
      const start = segment.indexOf('<x:xmpmeta');
      const end = segment.indexOf('</x:xmpmeta>');
      if (start >= 0 && end > start) return segment.subarray(start, end + '</x:xmpmeta>'.length).toString('utf8');
    }
    at += 2 + length;
  }
  return undefined;
}

/** drone-dji:Name values from an XMP packet, as strings, from attributes or elements. */
export function droneDjiFields(xmp: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of xmp.matchAll(/drone-dji:([A-Za-z]+)="([^"]*)"/g)) fields[m[1]!] ??= m[2]!;
  for (const m of xmp.matchAll(/<drone-dji:([A-Za-z]+)>([^<]*)<\/drone-dji:\1>/g)) fields[m[1]!] ??= m[2]!.trim();
  return fields;
}
