import { Worker } from 'node:worker_threads';
import type { Detection } from './detector.js';
import type { ModelManifest } from './manifest.js';
import type { RgbImage } from './preprocess.js';

interface Pending {
  resolve: (d: Detection[]) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
  pending: Map<number, Pending>;
  alive: boolean;
}

export interface InferencePoolOptions {
  modelDir: string;
  threads: number;
  intraOpThreads: number;
}

/**
 * A fixed pool of worker threads, each with its own ONNX session. Requests go to the least busy
 * thread; pixel buffers are transferred, not copied.
 */
export class InferencePool {
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(readonly manifest: ModelManifest) {}

  static async start(options: InferencePoolOptions): Promise<InferencePool> {
    const entry = new URL(import.meta.url.endsWith('.ts') ? './pool-worker.ts' : './pool-worker.js', import.meta.url).href;
    const bootstrap = new URL('./pool-bootstrap.mjs', import.meta.url);
    const results = await Promise.allSettled(
      Array.from({ length: options.threads }, () => {
        const worker = new Worker(bootstrap, { workerData: { entry, modelDir: options.modelDir, intraOpThreads: options.intraOpThreads } });
        return new Promise<{ worker: Worker; manifest: ModelManifest }>((resolve, reject) => {
          const onMessage = (m: { type: string; manifest?: ModelManifest; message?: string }) => {
            if (m.type === 'ready') {
              worker.off('error', reject);
              worker.off('message', onMessage);
              resolve({ worker, manifest: m.manifest! });
            } else if (m.type === 'load-error') {
              void worker.terminate();
              reject(new Error(m.message));
            }
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
        });
      }),
    );
    const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      // Do not leave the threads that did start running.
      await Promise.all(started.map((s) => s.worker.terminate()));
      throw failure.reason;
    }
    const pool = new InferencePool(started[0]!.manifest);
    pool.slots = started.map(({ worker }) => {
      const slot: Slot = { worker, busy: 0, pending: new Map(), alive: true };
      worker.on('message', (m: { type: string; id: number; detections?: Detection[]; message?: string }) => {
        const p = slot.pending.get(m.id);
        if (!p) return;
        slot.pending.delete(m.id);
        slot.busy--;
        if (m.type === 'result') p.resolve(m.detections!);
        else p.reject(new Error(m.message));
      });
      worker.on('error', (error) => pool.failAll(slot, error));
      worker.on('exit', (code) => {
        // A dead thread must never be chosen again: its messages would go nowhere and hang forever.
        slot.alive = false;
        if (!pool.closed) pool.failAll(slot, new Error(`inference thread exited with code ${code}`));
      });
      return slot;
    });
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** `floorFraction` lowers every class threshold by that factor (to keep near misses too). */
  detect(image: RgbImage, options: { floorFraction?: number } = {}): Promise<Detection[]> {
    if (this.closed) return Promise.reject(new Error('inference pool is closed'));
    const alive = this.slots.filter((s) => s.alive);
    if (alive.length === 0) return Promise.reject(new Error('no inference thread is alive; restart the worker'));
    const slot = alive.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    return new Promise<Detection[]>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
      // Transfer only when the view owns its whole buffer (Node pools small Buffers).
      const transfer = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? [data.buffer as ArrayBuffer] : [];
      slot.worker.postMessage({ id, data, width: image.width, height: image.height, floorFraction: options.floorFraction }, transfer);
    });
  }

  private failAll(slot: Slot, error: Error): void {
    for (const p of slot.pending.values()) p.reject(error);
    slot.pending.clear();
    slot.busy = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
