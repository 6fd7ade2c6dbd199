// Worker-thread entry in plain JavaScript. When the pipeline runs from TypeScript sources (tsx,
// vitest), loader hooks are not inherited by worker threads on Node 20, so register tsx here
// before importing the real worker module.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
