/**
 * hazardscope upload: send a folder of drone photos into a flight on a running server, as an
 * operator. Killed and run again, it finds the same flight (by --flight, or by name) and sends only
 * what the flight lacks, comparing sha256, so no photo is sent or stored twice.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pMap from 'p-map';
import type { ClientConfig } from '../../pipeline/config.js';
import { regionExtent } from '../../pipeline/domain/regions.js';
import { readCapture } from '../../pipeline/geo/capture.js';
import { numberOption } from './helpers.js';
import { UploadClient, UploadHttpError } from './upload-client.js';
import {
  chooseFlight,
  DEFAULT_RETRY,
  formatSummary,
  holdsEvery,
  photoAction,
  type PhotoResult,
  positionWarning,
  type RemoteFlight,
  summarise,
  type UploadSummary,
} from './upload-plan.js';
import { type Progress, startProgress } from './upload-progress.js';

export const UPLOAD_USAGE = `usage:
  hazardscope upload DIR [--flight ID | --name NAME] [--site NAME] [--concurrency 4] [--retries 5]
                         [--server URL] [--token TOKEN] [--json]

  DIR            a folder of JPEG photos (*.jpg, *.jpeg; not its subfolders)
  --flight       upload into this flight (resume it)
  --name         the flight's name (default: the folder's name); an unfinished flight of this name
                 is resumed, else a new one is created
  --site         the surveyed site's name, for a new flight
  --concurrency  photos sent at once (default 4)
  --retries      tries after the first for a photo the server could not take (default 5)
  --server       the API's address (default HAZARDSCOPE_URL, else http://127.0.0.1:8080)
  --token        an operator's token (default HAZARDSCOPE_TOKEN, which keeps it out of the process list)
  --json         print the summary as JSON (progress goes to stderr)`;

const PHOTO = /\.jpe?g$/i;
/** EXIF and DJI's XMP sit at the start of a JPEG; this much is enough to read its position. */
const HEAD_BYTES = 256 * 1024;
const LISTED_WARNINGS = 10;

interface LocalPhoto {
  file: string;
  name: string;
  size: number;
}

export async function runUpload(argv: string[], client: ClientConfig): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        flight: { type: 'string' },
        name: { type: 'string' },
        site: { type: 'string' },
        concurrency: { type: 'string' },
        retries: { type: 'string' },
        server: { type: 'string' },
        token: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${UPLOAD_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(UPLOAD_USAGE);
    return 0;
  }
  const problems: string[] = [];
  const concurrency = numberOption('concurrency', values.concurrency, 1, 64, true, problems) ?? 4;
  const retries = numberOption('retries', values.retries, 0, 20, true, problems) ?? DEFAULT_RETRY.retries;
  const server = values.server ?? client.HAZARDSCOPE_URL ?? 'http://127.0.0.1:8080';
  const token = values.token ?? client.HAZARDSCOPE_TOKEN;
  if (positionals.length !== 1) problems.push(`give one folder of photos, not ${positionals.length}`);
  if (values.flight && values.name) problems.push('give --flight or --name, not both');
  if (values.flight && !/^[0-9a-f-]{36}$/i.test(values.flight))
    problems.push(`--flight must be a flight id, not "${values.flight}"`);
  if (!token) problems.push('give a token: HAZARDSCOPE_TOKEN or --token');
  try {
    new URL(server);
  } catch {
    problems.push(`--server must be a URL, not "${server}"`);
  }
  const dir = positionals[0] === undefined ? undefined : path.resolve(positionals[0]);
  const photos = dir ? await listPhotos(dir, problems) : [];
  if (problems.length > 0) {
    console.error(`${problems.map((p) => `error: ${p}`).join('\n')}\n\n${UPLOAD_USAGE}`);
    return 2;
  }
  // With --json, stdout carries only the summary.
  const out = values.json ? process.stderr : process.stdout;
  const say = (line: string) => out.write(`${line}\n`);
  let progress: Progress | undefined;
  const api = new UploadClient(server, token!, { ...DEFAULT_RETRY, retries }, (what, attempt, delay, error) => {
    const line = `retrying ${what} in ${(delay / 1000).toFixed(1)} s (try ${attempt + 1} of ${retries + 1}): ${error.message}`;
    if (progress) progress.log(line);
    else say(line);
  });

  const started = performance.now();
  try {
    const me = await api.json<{ name: string; role: string; organisation: string; regionCode: string }>(
      'GET',
      'api/v1/me',
    );
    const extent = regionExtent(me.regionCode);
    const region = extent && { ...extent, code: me.regionCode };
    const totalBytes = photos.reduce((n, p) => n + p.size, 0);
    say(
      `${photos.length} photos (${(totalBytes / 1e6).toFixed(1)} MB) in ${dir}; uploading as ${me.name} (${me.role}, ${me.organisation}) to ${server}`,
    );
    warnAboutPositions(await readPositions(photos, region, concurrency), say);

    const hashes = new Map<string, string>();
    const flight = await pickFlight(api, photos, hashes, {
      flightId: values.flight,
      name: values.name ?? path.basename(dir!),
      site: values.site,
      concurrency,
    });
    if (flight.kind === 'finished') {
      say(`Flight ${flight.id} (${flight.name}) is already completed and holds every photo: nothing to send.`);
      const results = photos.map((p): PhotoResult => ({ file: p.name, bytes: p.size, outcome: 'skipped' }));
      return report(summarise(results, { id: flight.id, completed: true }, seconds(started)), values.json);
    }
    say(`${flight.resumed ? 'Resuming' : 'Created'} flight ${flight.id} (${flight.name}).`);
    const inFlight = new Set(
      (await api.json<{ items: Array<{ sha256: string }> }>('GET', `api/v1/flights/${flight.id}/images`)).items.map(
        (i) => i.sha256,
      ),
    );

    const claimed = new Set<string>();
    let fatal: string | undefined;
    async function sendPhoto(photo: LocalPhoto): Promise<PhotoResult> {
      const base = { file: photo.name, bytes: photo.size };
      if (fatal) return { ...base, outcome: 'failed', reason: `not tried: ${fatal}` };
      let sha256: string;
      try {
        sha256 = hashes.get(photo.file) ?? (await hashFile(photo.file));
      } catch (error) {
        return { ...base, outcome: 'rejected', reason: `unreadable: ${(error as Error).message}` };
      }
      const action = photoAction(sha256, inFlight, claimed);
      if (action === 'in-flight') return { ...base, outcome: 'skipped', reason: 'already in the flight' };
      if (action === 'duplicate') return { ...base, outcome: 'skipped', reason: 'same bytes as another photo here' };
      try {
        const sent = await api.putPhoto(flight.id, photo.name, photo.file, photo.size, (n) => progress?.sent(n));
        if (sent.sentSha256 !== sha256 || sent.sha256 !== sha256)
          return { ...base, outcome: 'failed', reason: 'the file changed while it was being uploaded; run again' };
        inFlight.add(sha256);
        return sent.created
          ? { ...base, outcome: 'uploaded' }
          : { ...base, outcome: 'skipped', reason: 'the server had these bytes already' };
      } catch (error) {
        const e = error instanceof UploadHttpError ? error : new UploadHttpError(String(error), 'retry');
        if (e.verdict === 'fatal') fatal ??= e.message;
        return { ...base, outcome: e.verdict === 'reject' ? 'rejected' : 'failed', reason: e.message };
      }
    }

    progress = startProgress(photos.length, totalBytes, out);
    const results = await pMap(
      photos,
      async (photo): Promise<PhotoResult> => {
        const result = await sendPhoto(photo);
        progress!.done(result.file, result.bytes, result.outcome, result.reason);
        return result;
      },
      { concurrency },
    );
    progress.stop();
    progress = undefined;

    // Completed only when every photo is in it: a flight left open can still take the rest.
    let completed = false;
    if (results.every((r) => r.outcome === 'uploaded' || r.outcome === 'skipped')) {
      await api.json('POST', `api/v1/flights/${flight.id}/complete`);
      completed = true;
    }
    return report(summarise(results, { id: flight.id, completed }, seconds(started)), values.json);
  } catch (error) {
    progress?.stop();
    if (!(error instanceof UploadHttpError)) throw error;
    console.error(`error: ${error.message}`);
    return 1;
  }
}

async function listPhotos(dir: string, problems: string[]): Promise<LocalPhoto[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && PHOTO.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    problems.push(`cannot read ${dir}: ${(error as Error).message}`);
    return [];
  }
  if (names.length === 0) problems.push(`no photos (*.jpg, *.jpeg) in ${dir}`);
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      return { file, name, size: (await stat(file)).size };
    }),
  );
}

async function readPositions(
  photos: LocalPhoto[],
  region: Parameters<typeof positionWarning>[1],
  concurrency: number,
): Promise<Array<{ name: string; warning: string | undefined }>> {
  return pMap(
    photos,
    async (photo) => {
      const handle = await open(photo.file, 'r');
      try {
        const head = Buffer.alloc(Math.min(HEAD_BYTES, photo.size));
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        return { name: photo.name, warning: positionWarning(await readCapture(head.subarray(0, bytesRead)), region) };
      } finally {
        await handle.close();
      }
    },
    { concurrency: Math.max(concurrency, 4) },
  );
}

function warnAboutPositions(found: Array<{ name: string; warning: string | undefined }>, say: (line: string) => void) {
  const warned = found.filter((f): f is { name: string; warning: string } => f.warning !== undefined);
  if (warned.length === 0) return;
  say(`warning: ${warned.length} of ${found.length} photos may not place on the map (they are uploaded all the same):`);
  for (const w of warned.slice(0, LISTED_WARNINGS)) say(`  ${w.name}: ${w.warning}`);
  if (warned.length > LISTED_WARNINGS) say(`  … and ${warned.length - LISTED_WARNINGS} more`);
}

type PickedFlight =
  { kind: 'finished'; id: string; name: string } | { kind: 'upload'; id: string; name: string; resumed: boolean };

async function pickFlight(
  api: UploadClient,
  photos: LocalPhoto[],
  hashes: Map<string, string>,
  options: { flightId: string | undefined; name: string; site: string | undefined; concurrency: number },
): Promise<PickedFlight> {
  /** True when the completed flight holds every photo; hashes them all first (kept for later). */
  const holdsAll = async (flightId: string) => {
    await pMap(photos, async (p) => hashes.set(p.file, hashes.get(p.file) ?? (await hashFile(p.file))), {
      concurrency: options.concurrency,
    });
    const images = await api.json<{ items: Array<{ sha256: string }> }>('GET', `api/v1/flights/${flightId}/images`);
    return holdsEvery(new Set(images.items.map((i) => i.sha256)), hashes.values());
  };
  if (options.flightId) {
    const { flight } = await api.json<{ flight: RemoteFlight }>('GET', `api/v1/flights/${options.flightId}`);
    if (flight.status !== 'completed') return { kind: 'upload', id: flight.id, name: flight.name, resumed: true };
    if (await holdsAll(flight.id)) return { kind: 'finished', id: flight.id, name: flight.name };
    throw new UploadHttpError(
      `flight ${flight.id} is completed and cannot take more photos; upload the rest into a new flight (--name)`,
      'fatal',
    );
  }
  const choice = chooseFlight(await listFlights(api), options.name);
  if (choice.kind === 'resume') return { kind: 'upload', id: choice.flightId, name: options.name, resumed: true };
  if (choice.kind === 'check-completed' && (await holdsAll(choice.flightId)))
    return { kind: 'finished', id: choice.flightId, name: options.name };
  const created = await api.json<RemoteFlight>('POST', 'api/v1/flights', {
    name: options.name,
    ...(options.site ? { siteName: options.site } : {}),
  });
  return { kind: 'upload', id: created.id, name: created.name, resumed: false };
}

/** Every flight the caller may see, newest first. */
async function listFlights(api: UploadClient): Promise<RemoteFlight[]> {
  const flights: RemoteFlight[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: RemoteFlight[]; nextCursor: string | null } = await api.json(
      'GET',
      `api/v1/flights?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    flights.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return flights;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

function report(summary: UploadSummary, json: boolean): number {
  console.log(json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  return summary.exitCode;
}
