/**
 * Runs inside a worker thread: holds one ONNX session and runs batches of views of shared photos,
 * so InferenceSession.run never blocks the main event loop.
 */
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { DecodedPhoto } from './engine.js';
import { loadModel } from './load.js';
import type { SharedImage, ViewTask } from './pool.js';

const INFERENCE_NICENESS = 10;

const { modelDir, intraOpThreads, batch } = workerData as { modelDir: string; intraOpThreads: number; batch?: number };
const port = parentPort;
if (!port) throw new Error('pool-worker must run in a worker thread');

// On Linux a thread has its own nice value, and 0 means this thread. Inference yields to the
// process's other threads: the decode lanes that feed it, and the event loop serving HTTP.
try {
  os.setPriority(0, INFERENCE_NICENESS);
} catch {
  // Not permitted or not supported: run at normal priority.
}

const ready = loadModel(modelDir, { intraOpThreads, ...(batch ? { batch } : {}) });
ready.then(
  (runner) => port.postMessage({ type: 'ready', spec: runner.spec, batchSize: runner.batchSize }),
  (error: unknown) =>
    port.postMessage({ type: 'load-error', message: error instanceof Error ? error.message : String(error) }),
);

const view = (image: SharedImage | undefined) =>
  image ? { data: new Uint8Array(image.buffer), width: image.width, height: image.height } : undefined;

port.on('message', (message: ViewTask | { type: 'close' }) => {
  if ('type' in message) {
    // Finish what was sent, release the session, then end the thread: terminating a thread inside
    // session.run aborts the whole process.
    void ready.then((runner) => runner.release().catch(() => undefined)).finally(() => port.close());
    return;
  }
  const task = message;
  ready
    .then((runner) => {
      const full = view(task.full);
      const frame = view(task.frame);
      const photo: DecodedPhoto = {
        width: task.width,
        height: task.height,
        ...(full ? { full } : {}),
        ...(frame ? { frame } : {}),
      };
      return runner.runViews(photo, task.views, task.thresholds);
    })
    .then(
      (result) => port.postMessage({ type: 'result', id: task.id, result }),
      (error: unknown) =>
        port.postMessage({
          type: 'error',
          id: task.id,
          message: error instanceof Error ? error.message : String(error),
        }),
    );
});
