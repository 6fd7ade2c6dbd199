import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FLIGHT, ROOT, smallPhoto, textFile } from '../factories.js';
import { startTestApi, type TestApi } from './harness.js';

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The CLI as a child process. Asynchronous on purpose: the server under test runs in this process,
 * so a blocking spawn would leave it unable to answer.
 */
function upload(args: string[], env: Record<string, string>, killWhen?: (stdout: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'cli/hazardscope.ts'), 'upload', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (killWhen?.(stdout)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('hazardscope upload', () => {
  let t: TestApi;
  let work: string;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
    work = await mkdtemp(path.join(os.tmpdir(), 'upload-cli-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(work, { recursive: true, force: true });
  });

  it('when the uploader is killed mid-flight and run again, then the flight completes with every photo exactly once', async () => {
    const dir = path.join(work, 'survey');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    const names = (await readdir(DEMO_FLIGHT)).filter((f) => f.endsWith('.JPG')).sort();
    for (const name of names) await copyFile(path.join(DEMO_FLIGHT, name), path.join(dir, name));
    const local = new Set(await Promise.all(names.map(async (n) => sha256(await readFile(path.join(dir, n))))));
    const env = { HAZARDSCOPE_URL: t.url, HAZARDSCOPE_TOKEN: t.tokens.operator };
    const args = [dir, '--name', 'Killed survey', '--concurrency', '1'];

    // Killed as soon as the first photo is reported uploaded: one at a time, most are still to go.
    const killed = await upload(args, env, (out) => /^1\/12 photos.*: uploaded /m.test(out));
    expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
    const flights = (await t.request('GET', '/api/v1/flights', { token: t.tokens.operator })).body.items as Array<{
      id: string;
      name: string;
      status: string;
    }>;
    const flight = flights.find((f) => f.name === 'Killed survey')!;
    expect(flight.status).toBe('open');
    const partial = (await t.request('GET', `/api/v1/flights/${flight.id}/images`)).body.items as unknown[];
    expect(partial.length).toBeGreaterThanOrEqual(1);
    expect(partial.length).toBeLessThan(names.length);

    const rerun = await upload(args, env);
    expect(rerun.status, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain(`Resuming flight ${flight.id}`);
    expect(rerun.stdout).toMatch(new RegExp(`skipped\\s+${partial.length} `));
    expect(rerun.stdout).toMatch(new RegExp(`uploaded\\s+${names.length - partial.length} `));
    expect(rerun.stdout).toContain(`Flight ${flight.id}: completed`);

    const images = (await t.request('GET', `/api/v1/flights/${flight.id}/images`)).body.items as Array<{
      sha256: string;
      originalFilename: string;
    }>;
    expect(images).toHaveLength(names.length);
    expect(new Set(images.map((i) => i.sha256))).toEqual(local);
    expect(images.map((i) => i.originalFilename).sort()).toEqual(names);
    const status = await t.request('GET', `/api/v1/flights/${flight.id}`);
    expect(status.body.flight.status).toBe('completed');

    // A third run finds the completed flight holding every photo: nothing is sent, no flight is made.
    const again = await upload([...args, '--json'], env);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ flightId: flight.id, uploaded: 0, skipped: names.length });
    const after = (await t.request('GET', '/api/v1/flights', { token: t.tokens.operator })).body.items as Array<{
      name: string;
    }>;
    expect(after.filter((f) => f.name === 'Killed survey')).toHaveLength(1);
  }, 300_000);

  it('when photos lack GPS, lie outside the region or are not JPEGs, then it warns first, rejects with the reason, leaves the flight open and exits 1', async () => {
    const dir = path.join(work, 'mixed');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    await writeFile(path.join(dir, 'a.jpg'), await smallPhoto('DJI_0003.JPG', 800));
    await writeFile(path.join(dir, 'b.jpg'), await smallPhoto('DJI_0005.JPG', 800));
    // Re-encoded without keepMetadata(): no EXIF, so no position.
    await writeFile(
      path.join(dir, 'nogps.jpg'),
      await sharp(await smallPhoto('DJI_0007.JPG', 800))
        .jpeg()
        .toBuffer(),
    );
    await writeFile(path.join(dir, 'notes.jpg'), textFile());
    // The demo photos are taken in Zhengzhou (Henan); this operator's region is Shanghai.
    const shanghai = await t.token({ name: 'Shanghai operator', role: 'operator', regionCode: '31' });
    const env = { HAZARDSCOPE_URL: t.url, HAZARDSCOPE_TOKEN: shanghai };

    const run = await upload([dir, '--site', 'Mixed yard'], env);
    expect(run.status, run.stdout + run.stderr).toBe(1);
    const warningsEnd = run.stdout.indexOf('Created flight');
    const warnings = run.stdout.slice(0, warningsEnd);
    expect(warnings).toContain('warning: 4 of 4 photos may not place on the map');
    expect(warnings).toMatch(/a\.jpg: taken at 34\.\d+, 113\.\d+, outside Shanghai \(region 31\)/);
    expect(warnings).toMatch(/nogps\.jpg: no GPS position/);
    expect(run.stdout).toMatch(/uploaded\s+3 /);
    expect(run.stdout).toMatch(/notes\.jpg: upload notes\.jpg answered 415/);
    expect(run.stdout).toContain('left open');
    const flightId = /Created flight ([0-9a-f-]{36})/.exec(run.stdout)![1]!;
    const flight = await t.request('GET', `/api/v1/flights/${flightId}`, { token: shanghai });
    expect(flight.body.flight).toMatchObject({
      status: 'open',
      name: 'mixed',
      siteName: 'Mixed yard',
      regionCode: '31',
    });

    // Without the bad file, the same command finishes the flight.
    await rm(path.join(dir, 'notes.jpg'));
    const rerun = await upload([dir], env);
    expect(rerun.status, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/skipped\s+3 /);
    expect((await t.request('GET', `/api/v1/flights/${flightId}`, { token: shanghai })).body.flight.status).toBe(
      'completed',
    );
  }, 300_000);

  it('when the server cannot be reached, then it retries with backoff and exits 1 naming the error', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const run = await upload([DEMO_FLIGHT, '--retries', '2'], {
      HAZARDSCOPE_URL: `http://127.0.0.1:${port}`,
      HAZARDSCOPE_TOKEN: t.tokens.operator,
    });
    expect(run.status).toBe(1);
    expect(run.stdout.match(/retrying GET api\/v1\/me in \d+\.\d s \(try \d of 3\): .*ECONNREFUSED/g)).toHaveLength(2);
    expect(run.stderr).toMatch(/error: .*ECONNREFUSED/);
  });

  it('when the token is wrong, then it says what the server answered and exits 1 without retrying', async () => {
    const run = await upload([DEMO_FLIGHT], { HAZARDSCOPE_URL: t.url, HAZARDSCOPE_TOKEN: 'hs_not-a-token' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/GET api\/v1\/me answered 401/);
    expect(run.stdout + run.stderr).not.toContain('retrying');
  });

  it('when arguments are wrong, then it exits 2 listing each problem and sends nothing', async () => {
    const run = await upload([path.join(work, 'missing'), '--concurrency', '0', '--flight', 'x', '--name', 'y'], {
      HAZARDSCOPE_URL: t.url,
      HAZARDSCOPE_TOKEN: '',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--concurrency must be an integer from 1 to 64/);
    expect(run.stderr).toMatch(/give --flight or --name, not both/);
    expect(run.stderr).toMatch(/give a token/);
    expect(run.stderr).toMatch(/cannot read .*missing/);
  });
});
