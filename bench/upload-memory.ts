/**
 * The upload page's memory over a large flight: Debian's chromium (playwright-core) uploads
 * synthetic photos through the web app to a real API (embedded S3, PostgreSQL, Redis; no worker, so
 * nothing is detected), and the tab's JS heap (after a forced GC) and its renderer's RSS are printed
 * as the flight goes. Flat figures mean the page holds no photo bytes: the worker hashes slice by
 * slice and XMLHttpRequest streams each File from disk. Figures, not assertions.
 *
 *   npm run build:web && npm run bench:upload-memory [-- --photos 500 --mb 10]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { CHROMIUM, launchChromium } from '../scripts/chromium.js';
import { startBenchApi } from './embedded-api.js';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '500' },
    mb: { type: 'string', default: '10' },
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    chromium: { type: 'string', default: CHROMIUM },
  },
});
const root = path.resolve(import.meta.dirname, '..');
if (!existsSync(path.join(root, 'web/dist/index.html'))) throw new Error('build the web app first: npm run build:web');
const count = Number(values.photos);
const targetBytes = Number(values.mb) * 1e6;
const bench = await startBenchApi('upload-memory', {
  redis: values.redis,
  database: values.database,
  env: { RECOVERY_SWEEP_SECONDS: '0' },
});
const { api, work, id } = bench;
const photosDir = path.join(work, `flight-${id}`);
const marker = `--hazardscope-bench-upload=${id}`;

/** Noise compresses badly, so a noise JPEG of about the wanted size is found by scaling its area. */
async function basePhoto(): Promise<Buffer> {
  const make = (side: number) =>
    sharp({
      create: {
        width: side,
        height: Math.round(side * 0.75),
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg({ quality: 90 })
      .toBuffer();
  let side = 2000;
  let photo = await make(side);
  side = Math.round(side * Math.sqrt(targetBytes / photo.length));
  photo = await make(side);
  return photo;
}

/** The same photo with a distinct comment segment after SOI: valid, and a distinct SHA-256 each. */
function variant(base: Buffer, n: number): Buffer {
  const text = Buffer.from(`bench ${id} photo ${n}`);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([base.subarray(0, 2), segment, text, base.subarray(2)]);
}

const kib = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
/** This bench's chromium renderers: descendants of the browser process started with `marker`. */
function rendererRss(): number {
  const procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  const read = (pid: string, file: string) => {
    try {
      return readFileSync(`/proc/${pid}/${file}`, 'utf8');
    } catch {
      return '';
    }
  };
  const parent = new Map(procs.map((p) => [p, read(p, 'stat').split(') ')[1]?.split(' ')[1] ?? '']));
  const browserPid = procs.find((p) => read(p, 'cmdline').includes(marker));
  const descends = (p: string): boolean => {
    for (let at = parent.get(p); at && at !== '0' && at !== '1'; at = parent.get(at))
      if (at === browserPid) return true;
    return false;
  };
  return procs
    .filter((p) => browserPid && descends(p) && read(p, 'cmdline').includes('--type=renderer'))
    .reduce((sum, p) => sum + kib(Number(p)), 0);
}

// As the browser tests start it, plus a marker to find its processes.
const browser = await launchChromium([marker], values.chromium);
try {
  const base = await basePhoto();
  await mkdir(photosDir, { recursive: true });
  for (let n = 0; n < count; n++)
    await writeFile(path.join(photosDir, `P${String(n).padStart(4, '0')}.JPG`), variant(base, n));
  const totalMb = (count * base.length) / 1e6;
  console.log(`upload memory — ${count} photos of ${(base.length / 1e6).toFixed(1)} MB (${totalMb.toFixed(0)} MB)`);

  const token = (await api.container.services.tokens.create({ name: 'bench', role: 'operator' }, 'bench')).token;
  const page = await (await browser.newContext()).newPage();
  const cdp = await page.context().newCDPSession(page);
  await page.goto(`${api.url}/#/upload`);
  await page.locator('#token').fill(token);
  await page.keyboard.press('Enter');
  await page.locator('#upload-folder').setInputFiles(photosDir);
  await page.locator('#upload-picked').waitFor();

  const sample = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const uploaded = await page
      .locator('tr[data-state="done"]')
      .count()
      .catch(() => 0);
    return { uploaded, heapMb: heap.usedSize / 1e6, rssMb: rendererRss() / 1024 };
  };
  // Printed as they come: a long run cut short still shows how memory went.
  console.log('photos uploaded   JS heap (MB, after GC)   renderer RSS (MB)');
  const print = (r: Awaited<ReturnType<typeof sample>>) =>
    console.log(
      `${String(r.uploaded).padStart(15)}   ${r.heapMb.toFixed(1).padStart(22)}   ${r.rssMb.toFixed(0).padStart(17)}`,
    );
  print(await sample());
  const started = performance.now();
  await page.locator('#upload-start').click();
  const complete = page.locator('#upload-complete');
  let next = 0;
  while (!(await complete.isVisible())) {
    await new Promise((r) => setTimeout(r, 500));
    const row = await sample();
    if (row.uploaded >= next) {
      print(row);
      next = row.uploaded + Math.max(1, Math.round(count / 10));
    }
  }
  const seconds = (performance.now() - started) / 1000;
  print(await sample());
  console.log(
    `${count} photos in ${seconds.toFixed(1)} s (${(totalMb / seconds).toFixed(0)} MB/s through the API, hashing included)`,
  );
} finally {
  await browser.close();
  await bench.close();
}
