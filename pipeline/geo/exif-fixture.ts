/**
 * A JPEG whose EXIF block holds an XMP packet in TIFF tag 0x02BC, as DJI's thermal and enterprise
 * payloads (Zenmuse XT2, H20T) write it instead of an XMP segment. sharp drops that tag when it
 * writes EXIF, so tests build the block by hand: little-endian TIFF, one IFD, no thumbnail.
 */
export function jpegWithXmpInExif(jpeg: Buffer, xmp: string, make = 'DJI', model = 'XT2'): Buffer {
  const ascii = (s: string) => Buffer.from(`${s}\0`, 'latin1');
  const entries: Array<{ tag: number; type: number; data: Buffer }> = [
    { tag: 0x010f, type: 2, data: ascii(make) },
    { tag: 0x0110, type: 2, data: ascii(model) },
    { tag: 0x02bc, type: 1, data: Buffer.from(xmp, 'utf8') },
  ];
  const ifdStart = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  let dataOffset = ifdStart + ifdSize;
  const ifd = Buffer.alloc(ifdSize);
  ifd.writeUInt16LE(entries.length, 0);
  const data: Buffer[] = [];
  entries.forEach((e, i) => {
    const at = 2 + i * 12;
    ifd.writeUInt16LE(e.tag, at);
    ifd.writeUInt16LE(e.type, at + 2);
    ifd.writeUInt32LE(e.data.length, at + 4);
    if (e.data.length <= 4) e.data.copy(ifd, at + 8);
    else {
      ifd.writeUInt32LE(dataOffset, at + 8);
      const padded = e.data.length % 2 ? Buffer.concat([e.data, Buffer.alloc(1)]) : e.data;
      data.push(padded);
      dataOffset += padded.length;
    }
  });
  const tiff = Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), ifd, ...data]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  // Right after SOI, where cameras put APP1.
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}
