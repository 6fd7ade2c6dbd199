import { readFile } from 'node:fs/promises';
import type { Detection, DetectOptions, PhotoDetector } from './detector.js';

/** A file to read, or a photo already in memory (as the pipeline has it from object storage). */
type PhotoSource = string | { name: string; bytes: Uint8Array };

export interface PhotoResult {
  source: string;
  width: number;
  height: number;
  detections: Detection[];
  /** From the start of decoding to the merged detections. */
  latencyMs: number;
}

interface RunManyOptions extends DetectOptions {
  /** Photos decoding or in inference at once; one more than the threads keeps every thread fed. */
  inFlight: number;
  limitInputPixels?: number;
  onResult?: (result: PhotoResult, index: number) => void;
  onError?: (source: string, error: Error, index: number) => void;
}

/**
 * Runs many photos through a detector with decoding of the next photos overlapping inference of
 * the current ones. Results come back in input order; a photo that fails is reported and skipped.
 */
export async function detectMany(
  detector: PhotoDetector,
  sources: readonly PhotoSource[],
  options: RunManyOptions,
): Promise<Array<PhotoResult | undefined>> {
  const { inFlight, limitInputPixels, onResult, onError, ...detectOptions } = options;
  const results: Array<PhotoResult | undefined> = new Array<PhotoResult | undefined>(sources.length);
  let next = 0;
  const lane = async () => {
    while (next < sources.length) {
      const index = next++;
      const item = sources[index]!;
      const source = typeof item === 'string' ? item : item.name;
      const started = performance.now();
      try {
        // Read once: the header and the pixels are then parsed from memory, not the disk twice.
        const bytes = typeof item === 'string' ? await readFile(item) : item.bytes;
        const { width, height, detections } = await detector.detectEncoded(bytes, detectOptions, limitInputPixels);
        const result = { source, width, height, detections, latencyMs: performance.now() - started };
        results[index] = result;
        onResult?.(result, index);
      } catch (error) {
        if (!onError) throw error;
        onError(source, error instanceof Error ? error : new Error(String(error)), index);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, inFlight) }, lane));
  return results;
}
