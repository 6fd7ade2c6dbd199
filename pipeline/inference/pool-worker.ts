/**
 * Runs inside a worker thread: holds one ONNX session and answers detect requests, so
 * InferenceSession.run never blocks the main event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadModel } from './detector.js';

interface Request {
  id: number;
  data: Uint8Array;
  width: number;
  height: number;
  floorFraction: number | undefined;
}

const { modelDir, intraOpThreads } = workerData as { modelDir: string; intraOpThreads: number };
const port = parentPort;
if (!port) throw new Error('pool-worker must run in a worker thread');

const ready = loadModel(modelDir, { intraOpThreads });
ready.then(
  (detector) => port.postMessage({ type: 'ready', manifest: detector.manifest }),
  (error: unknown) => port.postMessage({ type: 'load-error', message: error instanceof Error ? error.message : String(error) }),
);

port.on('message', (request: Request) => {
  ready
    .then((detector) =>
      detector.detect(
        { data: request.data, width: request.width, height: request.height },
        request.floorFraction === undefined ? {} : { thresholds: detector.manifest.classes.map((c) => c.threshold * request.floorFraction!) },
      ),
    )
    .then(
      (detections) => port.postMessage({ type: 'result', id: request.id, detections }),
      (error: unknown) => port.postMessage({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) }),
    );
});
