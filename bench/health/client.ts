/**
 * The client side of `npm run bench:health`, in a process of its own: the operator's uploader and
 * the load balancer's probes are other processes (usually other machines), so their own work must
 * not land on the server's event loop, nor the server's stalls on the client's clock.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface ClientRequest {
  url: string;
  token: string;
  photoDir: string;
  photoCount: number;
  intervalMs: number;
}

export interface Sample {
  path: string;
  ms: number;
  phase: 'upload' | 'processing';
  status: number;
  failed?: string;
}

export interface ClientResult {
  samples: Sample[];
  uploadSeconds: number;
  processSeconds: number;
  processed: number;
  failed: number;
}

async function run(request: ClientRequest): Promise<ClientResult> {
  const call = async (method: string, p: string, body?: BodyInit, type?: string) => {
    const res = await fetch(`${request.url}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${request.token}`, ...(type ? { 'content-type': type } : {}) },
      body,
    });
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, any>>;
  };
  const originals = await Promise.all(
    (await readdir(request.photoDir))
      .filter((n) => n.endsWith('.JPG'))
      .sort()
      .map((n) => readFile(path.join(request.photoDir, n))),
  );
  // Each copy gets a few bytes after the JPEG's end marker, so its sha256 differs and it is
  // processed as its own photo.
  const photoAt = (i: number) => Buffer.concat([originals[i % originals.length]!, Buffer.from(`bench copy ${i}`)]);

  let phase: 'upload' | 'processing' | 'done' = 'upload';
  const samples: Sample[] = [];
  const probe = async (p: string) => {
    while (phase !== 'done') {
      const at = phase;
      const t = performance.now();
      const res = await fetch(`${request.url}${p}`);
      const text = await res.text();
      const sample: Sample = { path: p, ms: performance.now() - t, phase: at, status: res.status };
      if (res.status !== 200) {
        const checks = (JSON.parse(text) as { context?: { checks?: Record<string, string> } }).context?.checks ?? {};
        sample.failed =
          Object.entries(checks)
            .filter(([, v]) => v !== 'ok')
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || String(res.status);
      }
      samples.push(sample);
      await new Promise((r) => setTimeout(r, request.intervalMs));
    }
  };
  const probes = Promise.all(['/health/live', '/health/ready'].map(probe));

  const started = performance.now();
  const flight = await call('POST', '/flights', JSON.stringify({ name: 'bench' }), 'application/json');
  for (let i = 0; i < request.photoCount; i++)
    await call(
      'PUT',
      `/flights/${flight.id}/images/DJI_${String(i).padStart(4, '0')}.JPG`,
      new Uint8Array(photoAt(i)),
      'image/jpeg',
    );
  await call('POST', `/flights/${flight.id}/complete`);
  const uploaded = performance.now();
  phase = 'processing';
  let status: Record<string, any>;
  do {
    await new Promise((r) => setTimeout(r, 500));
    status = await call('GET', `/flights/${flight.id}`);
  } while (!status.done);
  phase = 'done';
  await probes;
  return {
    samples,
    uploadSeconds: (uploaded - started) / 1000,
    processSeconds: (performance.now() - uploaded) / 1000,
    processed: Number(status.images.processed),
    failed: Number(status.images.failed),
  };
}

process.once('message', (request: ClientRequest) => {
  run(request).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
