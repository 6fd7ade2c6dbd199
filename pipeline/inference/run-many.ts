import { readFile } from 'node:fs/promises';
import type { Detection, DetectOptions, PhotoDetector } from './detector.js';

export interface PhotoResult {
  source: string;
  width: number;
  height: number;
  detections: Detection[];
  /** From the start of decoding to the merged detections. */
  latencyMs: number;
}

export interface RunManyOptions extends DetectOptions {
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
export async function detectMany(detector: PhotoDetector, sources: readonly string[], options: RunManyOptions): Promise<Array<PhotoResult | undefined>> {
  const { inFlight, limitInputPixels, onResult, onError, ...detectOptions } = options;
  const results: Array<PhotoResult | undefined> = new Array(sources.length);
  let next = 0;
  const lane = async () => {
    while (next < sources.length) {
      const index = next++;
      const source = sources[index]!;
      const started = performance.now();
      try {
        // Read once: the header and the pixels are then parsed from memory, not the disk twice.
        const { width, height, detections } = await detector.detectEncoded(await readFile(source), detectOptions, limitInputPixels);
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
