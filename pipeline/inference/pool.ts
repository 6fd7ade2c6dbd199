import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { type DecodedPhoto, type Detection, mergeViews } from './engine.js';
import { decodePhoto } from './decode.js';
import {
  decodePlanFor,
  type DetectOptions,
  type PhotoDetector,
  type PhotoResultCore,
  thresholdsFor,
  viewsFor,
} from './detector.js';
import { ModelLoadError } from './load.js';
import type { ModelSpec } from './manifest.js';
import type { RawDetection } from './postprocess.js';
import type { RgbImage } from './preprocess.js';
import type { View } from './tiling.js';
import { BoxVerifier } from './verifier.js';

/** Pixels in shared memory: every thread reads the same photo without a copy per tile. */
export interface SharedImage {
  buffer: SharedArrayBuffer;
  width: number;
  height: number;
}

export interface ViewTask {
  id: number;
  width: number;
  height: number;
  full?: SharedImage;
  frame?: SharedImage;
  views: View[];
  thresholds: number[];
}

interface QueuedTask {
  task: ViewTask;
  resolve: (value: never) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Sent and not yet answered; the thread runs them one after another. */
  sent: Map<number, QueuedTask>;
  alive: boolean;
}

/**
 * Tasks sent ahead to each thread, so it starts the next one as soon as it finishes the last
 * without waiting for the main thread to hand it over (which may be busy decoding or merging).
 */
const TASKS_AHEAD = 2;

interface InferencePoolOptions {
  modelDir: string;
  threads: number;
  intraOpThreads: number;
  /** Tiles per session.run instead of the manifest's (for measuring). */
  batch?: number;
  /** Cores to keep busy, shared by decoding photos and inference threads; default all of them. */
  cores?: number;
}

/**
 * A fixed pool of worker threads, each with its own ONNX session (InferenceSession.run blocks the
 * thread that calls it). A photo is split into batches of views that any idle thread takes, so one
 * photo's tiles use every core and the next photo's decode overlaps the current one's inference.
 */
export class InferencePool implements PhotoDetector {
  private slots: Slot[] = [];
  private readonly queue: QueuedTask[] = [];
  private nextId = 1;
  private closed = false;

  private resolvedSpec: ModelSpec | undefined;
  private verifier: BoxVerifier | null = null;
  private batchSize = 1;

  get spec(): ModelSpec {
    if (!this.resolvedSpec) throw new Error('inference pool has not started');
    return this.resolvedSpec;
  }

  /** Photos being decoded by detectEncoded right now; they count against the cores. */
  private decoding = 0;
  private readonly decodesWaiting: Array<() => void> = [];

  /** Threads at work plus decodes under way that may run at once. */
  private constructor(private readonly runnable: number) {}

  static async start(options: InferencePoolOptions): Promise<InferencePool> {
    const entry = new URL(import.meta.url.endsWith('.ts') ? './pool-worker.ts' : './pool-worker.js', import.meta.url)
      .href;
    const bootstrap = new URL('./pool-bootstrap.mjs', import.meta.url);
    // One more than the cores: a thread between two tasks, or a decode being handed over, leaves a
    // core idle for a moment, and one extra runnable thread fills those gaps (measured on 2 cores:
    // 1.87 cores busy with a budget of 2, 1.95 with 3).
    const pool = new InferencePool((options.cores ?? os.availableParallelism()) + 1);
    const results = await Promise.allSettled(
      Array.from({ length: options.threads }, () => {
        const worker = new Worker(bootstrap, {
          workerData: {
            entry,
            modelDir: options.modelDir,
            intraOpThreads: options.intraOpThreads,
            batch: options.batch,
          },
        });
        const slot: Slot = { worker, sent: new Map(), alive: true };
        // Listeners go on before anything can happen, so no error or exit is ever unhandled.
        return new Promise<{ slot: Slot; spec: ModelSpec; batchSize: number }>((resolve, reject) => {
          let started = false;
          worker.on(
            'message',
            (m: {
              type: string;
              id?: number;
              spec?: ModelSpec;
              batchSize?: number;
              found?: RawDetection[];
              message?: string;
            }) => {
              if (m.type === 'ready') {
                started = true;
                resolve({ slot, spec: m.spec!, batchSize: m.batchSize! });
              } else if (m.type === 'load-error') {
                reject(new ModelLoadError(m.message));
                void worker.terminate();
              } else pool.settle(slot, m as never);
            },
          );
          worker.on('error', (error) => (started ? pool.fail(slot, error) : reject(error)));
          worker.on('exit', (code) =>
            started
              ? pool.fail(slot, new Error(`inference thread exited with code ${code}`))
              : reject(new Error(`inference thread exited with code ${code} while loading the model`)),
          );
        });
      }),
    );
    const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      // Do not leave the threads that did start running.
      pool.closed = true;
      await Promise.all(started.map((s) => s.slot.worker.terminate()));
      throw failure.reason;
    }
    pool.resolvedSpec = started[0]!.spec;
    pool.batchSize = started[0]!.batchSize;
    pool.slots = started.map((s) => s.slot);
    const { verifier } = pool.resolvedSpec;
    if (verifier) {
      // Small crops, a few per photo: judged here, where the photo's pixels already are.
      try {
        pool.verifier = await BoxVerifier.open(verifier);
      } catch (error) {
        await pool.close();
        throw error;
      }
    }
    return pool;
  }

  private settle(slot: Slot, m: { type: string; id: number; result?: never; message?: string }): void {
    const task = slot.sent.get(m.id);
    if (!task) return;
    slot.sent.delete(m.id);
    if (m.type === 'result') task.resolve(m.result!);
    else task.reject(new Error(m.message));
    this.dispatch();
  }

  get size(): number {
    return this.slots.length;
  }

  async detect(photo: DecodedPhoto, options: DetectOptions = {}): Promise<Detection[]> {
    if (this.closed) throw new Error('inference pool is closed');
    const views = viewsFor(this.spec, photo, options);
    const thresholds = thresholdsFor(this.spec, options);
    const shared = {
      width: photo.width,
      height: photo.height,
      ...(photo.full ? { full: share(photo.full) } : {}),
      ...(photo.frame ? { frame: share(photo.frame) } : {}),
    };
    const batches: View[][] = [];
    for (let i = 0; i < views.length; i += this.batchSize) batches.push(views.slice(i, i + this.batchSize));
    const found = await Promise.all(
      batches.map((batch) => this.enqueue<RawDetection[]>({ id: this.nextId++, ...shared, views: batch, thresholds })),
    );
    const merged = mergeViews(found.flat(), this.spec, views.length);
    return this.verifier && options.verify !== false ? this.verifier.filter(photo, merged) : merged;
  }

  /**
   * Decodes here, then detects. Decoding and inference share the cores: a decode starts when a
   * core is free of both (threads at work plus decodes under way), inference first. More runnable
   * threads than cores only makes them take turns and evict each other's caches (two decodes side
   * by side did 12% less work per CPU second here than one).
   */
  async detectEncoded(
    bytes: Uint8Array,
    options: DetectOptions = {},
    limitInputPixels?: number,
  ): Promise<PhotoResultCore> {
    if (this.closed) throw new Error('inference pool is closed');
    await new Promise<void>((resolve) => {
      this.decodesWaiting.push(resolve);
      this.dispatch();
    });
    let photo: DecodedPhoto;
    try {
      photo = await decodePhoto(
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        decodePlanFor(this.spec, options),
        limitInputPixels,
      );
    } finally {
      this.decoding--;
      this.dispatch();
    }
    return { width: photo.width, height: photo.height, detections: await this.detect(photo, options) };
  }

  private enqueue<T>(task: ViewTask): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ task, resolve: resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    const alive = this.slots.filter((s) => s.alive);
    if (alive.length === 0) {
      for (const queued of this.queue.splice(0))
        queued.reject(new Error('no inference thread is alive; restart the worker'));
      // Decoding goes on; the detect that follows fails with the same reason.
      while (this.decodesWaiting.length > 0) {
        this.decoding++;
        this.decodesWaiting.shift()!();
      }
      return;
    }
    // Threads at work plus photos being decoded stay within the cores; inference goes first (it
    // frees pixels), and something always runs.
    let working = alive.filter((s) => s.sent.size > 0).length;
    const budget = Math.max(1, this.runnable - this.decoding);
    // Fill threads to one task first, then to the look-ahead, so no thread idles while another queues two.
    for (let depth = 1; depth <= TASKS_AHEAD; depth++) {
      for (const slot of alive) {
        if (slot.sent.size >= depth || this.queue.length === 0) continue;
        if (slot.sent.size === 0) {
          if (working >= budget) continue;
          working++;
        }
        const next = this.queue.shift()!;
        slot.sent.set(next.task.id, next);
        slot.worker.postMessage(next.task);
      }
    }
    while (
      this.decodesWaiting.length > 0 &&
      (working + this.decoding < this.runnable || (working === 0 && this.decoding === 0))
    ) {
      this.decoding++;
      this.decodesWaiting.shift()!();
    }
  }

  /** A dead thread is never chosen again; its task fails (the job retries) and the rest go on. */
  private fail(slot: Slot, error: Error): void {
    slot.alive = false;
    if (this.closed) return;
    for (const task of slot.sent.values()) task.reject(error);
    slot.sent.clear();
    this.dispatch();
  }

  /**
   * Stops taking work, lets every thread finish what it was sent, release its session and exit;
   * a thread that does not exit within the grace period is terminated.
   */
  async close(graceMs = 30_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const queued of this.queue.splice(0)) queued.reject(new Error('inference pool is closed'));
    // Waiting decodes go ahead and then find the pool closed.
    for (const start of this.decodesWaiting.splice(0)) start();
    await Promise.all(
      this.slots.map(async (slot) => {
        if (!slot.alive) return;
        const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
        slot.worker.postMessage({ type: 'close' });
        const timer = setTimeout(() => void slot.worker.terminate(), graceMs);
        await exited;
        clearTimeout(timer);
        for (const task of slot.sent.values()) task.reject(new Error('inference pool is closed'));
        slot.sent.clear();
      }),
    );
    await this.verifier?.release();
  }
}

function share(image: RgbImage): SharedImage {
  const buffer = new SharedArrayBuffer(image.data.byteLength);
  new Uint8Array(buffer).set(image.data);
  return { buffer, width: image.width, height: image.height };
}
