import type { PhotoDetector } from './detector.js';

/** The same detector, telling `observe` how long each whole photo took (decode, tiles, merge). */
export function timedDetector(detector: PhotoDetector, observe: (seconds: number) => void): PhotoDetector {
  return {
    get spec() {
      return detector.spec;
    },
    detect: (photo, options) => detector.detect(photo, options),
    async detectEncoded(bytes, options, limitInputPixels) {
      const started = performance.now();
      const result = await detector.detectEncoded(bytes, options, limitInputPixels);
      observe((performance.now() - started) / 1000);
      return result;
    },
  };
}
