/**
 * Upload throughput of `hazardscope upload`: a flight of generated sample photos sent by the CLI,
 * run as an operator would run it (a child process), into an embedded server started here (PGlite
 * and embedded S3 in a temporary directory, Redis for the queue; no worker, so the jobs wait).
 * Each concurrency gets a fresh flight. Prints photos/s and MB/s as the CLI measured them (from
 * its start: reading positions, hashing and sending) and the wall time around it.
 *
 *   npm run bench:upload [-- --photos 48 --concurrency 1,4,8 --database postgres://…]
 *
 * The photos are the committed demo flight (made by samples/generator), each copy given a JPEG
 * comment of its own so every one is new bytes to the server, as a real flight's photos are.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchApi } from './embedded-api.js';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '48' },
    concurrency: { type: 'string', default: '1,4,8' },
    database: { type: 'string' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const photoCount = Number(values.photos);
const concurrencies = values.concurrency.split(',').map(Number);
if (!Number.isInteger(photoCount) || photoCount < 1 || concurrencies.some((c) => !Number.isInteger(c) || c < 1)) {
  console.error('--photos and --concurrency must be positive integers (--concurrency a comma-separated list)');
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '..');
/** The photo with a COM segment right after SOI: a valid JPEG with the same pixels and EXIF, new bytes. */
function withComment(jpeg: Buffer, text: string): Buffer {
  const comment = Buffer.from(text, 'latin1');
  const header = Buffer.from([0xff, 0xfe, (comment.length + 2) >> 8, (comment.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), header, comment, jpeg.subarray(2)]);
}

async function makeFlight(dir: string, run: number): Promise<number> {
  const sampleDir = path.join(root, 'samples/demo-flight');
  const samples = (await readdir(sampleDir)).filter((f) => /\.jpe?g$/i.test(f)).sort();
  const originals = await Promise.all(samples.map((f) => readFile(path.join(sampleDir, f))));
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  for (let i = 0; i < photoCount; i++) {
    const photo = withComment(originals[i % originals.length]!, `bench-upload run ${run} photo ${i}`);
    bytes += photo.length;
    await writeFile(path.join(dir, `DJI_${String(i + 1).padStart(4, '0')}.JPG`), photo);
  }
  return bytes;
}

function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'cli/hazardscope.ts'), 'upload', ...args],
      {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const bench = await startBenchApi('upload', {
  redis: values.redis,
  database: values.database,
  env: { RECOVERY_SWEEP_SECONDS: '0' },
});
const { api, work } = bench;
try {
  const { tokens } = api.container.services;
  const organisation = await tokens.createOrganisation('Upload bench bureau', '4101', 'bench');
  const { token } = await tokens.create(
    { name: 'bench operator', role: 'operator', organisation: organisation.id },
    'bench',
  );
  console.log(
    `${photoCount} photos per flight, ${values.database ? 'PostgreSQL' : 'PGlite'}, embedded S3, through PUT /flights/{id}/images on ${os.availableParallelism()} cores`,
  );
  console.log('concurrency   MB      CLI s   photos/s   MB/s    wall s (with the CLI start-up)');
  for (const [run, concurrency] of concurrencies.entries()) {
    const dir = path.join(work, `flight-${run}`);
    const bytes = await makeFlight(dir, run);
    const started = performance.now();
    const result = await runCli([dir, '--name', `bench ${run}`, '--concurrency', String(concurrency), '--json'], {
      HAZARDSCOPE_URL: api.url,
      HAZARDSCOPE_TOKEN: token,
    });
    const wall = (performance.now() - started) / 1000;
    if (result.status !== 0) throw new Error(`the upload exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    const s = JSON.parse(result.stdout) as {
      uploaded: number;
      seconds: number;
      photosPerSecond: number;
      megabytesPerSecond: number;
    };
    if (s.uploaded !== photoCount) throw new Error(`only ${s.uploaded} of ${photoCount} photos were uploaded`);
    console.log(
      `${String(concurrency).padStart(11)}   ${(bytes / 1e6).toFixed(1).padStart(5)}  ${s.seconds.toFixed(2).padStart(6)}   ${s.photosPerSecond.toFixed(1).padStart(8)}   ${s.megabytesPerSecond.toFixed(1).padStart(5)}   ${wall.toFixed(2).padStart(6)}`,
    );
    await rm(dir, { recursive: true, force: true });
  }
} finally {
  await bench.close();
}
