import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readJpegHeader } from './jpeg-header.js';

const demo = path.resolve(import.meta.dirname, '../../samples/demo-flight');
const jpeg = (width: number, height: number, options: { orientation?: number; progressive?: boolean } = {}) => {
  let image = sharp({ create: { width, height, channels: 3, background: { r: 90, g: 120, b: 30 } } });
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  return image.jpeg({ progressive: options.progressive ?? false }).toBuffer();
};

describe('readJpegHeader', () => {
  it('when a JPEG carries each EXIF orientation, then the header reader sees the stored size and that orientation', async () => {
    for (let orientation = 1; orientation <= 8; orientation++) {
      expect(readJpegHeader(await jpeg(37, 21, { orientation }))).toEqual({ width: 37, height: 21, orientation });
    }
  });

  it('when there is no EXIF, then the orientation is 1', async () => {
    expect(readJpegHeader(await jpeg(64, 48))).toEqual({ width: 64, height: 48, orientation: 1 });
  });

  it('when the JPEG is progressive, then its size is still read', async () => {
    expect(readJpegHeader(await jpeg(300, 200, { progressive: true }))).toEqual({
      width: 300,
      height: 200,
      orientation: 1,
    });
  });

  it('when drone photos with EXIF, XMP and thumbnails are read, then size and orientation match sharp', async () => {
    const files = (await readdir(demo)).filter((f) => f.endsWith('.JPG')).slice(0, 4);
    for (const file of files) {
      const bytes = await readFile(path.join(demo, file));
      const meta = await sharp(bytes).metadata();
      expect(readJpegHeader(bytes)).toEqual({
        width: meta.width,
        height: meta.height,
        orientation: meta.orientation ?? 1,
      });
    }
  });

  it('when the bytes are not a JPEG or stop before the frame header, then it gives up rather than guess', async () => {
    expect(readJpegHeader(Buffer.from('GIF89a not a jpeg'))).toBeUndefined();
    expect(
      readJpegHeader(
        await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } })
          .png()
          .toBuffer(),
      ),
    ).toBeUndefined();
    const full = await jpeg(50, 40, { orientation: 6 });
    expect(readJpegHeader(full.subarray(0, 30))).toBeUndefined();
  });
});
