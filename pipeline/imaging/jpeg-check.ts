import sharp from 'sharp';
import { hasJpegSignature } from '../domain/images.js';

/**
 * Why bytes are not a JPEG this system can take, or undefined when they are: first the signature,
 * then the decoder's own reading of the header (sharp's metadata(), which runs off the event loop and
 * decodes no pixels). A file cut short after its header passes here and fails in the worker, which
 * records the reason on the photo.
 */
export async function jpegProblem(bytes: Buffer): Promise<string | undefined> {
  if (!hasJpegSignature(bytes)) {
    const start = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
    return `the content is not a JPEG: it starts with ${start || 'nothing'}, not FF D8 FF`;
  }
  try {
    // No pixel limit here: the header only is read, and the worker applies MAX_IMAGE_PIXELS.
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (meta.format !== 'jpeg') return `the decoder reads the content as ${meta.format}, not JPEG`;
    if (!meta.width || !meta.height) return 'the JPEG header gives no image size';
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `the JPEG decoder refuses the content: ${message.split('\n')[0]}`;
  }
}
