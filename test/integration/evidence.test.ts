import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, type Manifest, verifyBundle } from '../../pipeline/evidence/bundle.js';
import { generateKeyPairSync } from 'node:crypto';
import { generateSigningKeyPem, nodeBundleCrypto, signingKeyFromPem } from '../../pipeline/evidence/signing.js';
import { readZip, ZipWriter, type ZipFile } from '../../pipeline/evidence/zip.js';
import { demoSiteFeature } from '../factories.js';
import { flyDemoPhotos, POSTGRES_URL, ROOT, startTestApi, type TestApi } from './harness.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const havePython = !spawnSync('python3', ['--version']).error;
if (!havePython)
  console.warn('python3 is not installed: the cross-check of the archive format with its zipfile module is skipped');
const PHOTOS = ['DJI_0004.JPG', 'DJI_0005.JPG'];

function rezip(files: readonly ZipFile[]): Buffer {
  const writer = new ZipWriter(new Date());
  return Buffer.concat([
    ...files.flatMap((f) => writer.add({ name: f.name, data: f.data, compress: f.name.endsWith('.json') })),
    ...writer.finish(),
  ]);
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/hazardscope.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('evidence bundles', () => {
  let t: TestApi;
  let dir: string;
  let bundlePath: string;
  let bundle: Buffer;
  let caseId: string;
  let reference: string;

  beforeAll(async () => {
    t = await startTestApi();
    dir = await mkdtemp(path.join(os.tmpdir(), 'hazardscope-evidence-'));
    expect((await t.request('POST', '/api/v1/sites', { body: (await demoSiteFeature(51)).feature })).status).toBe(201);
    const { flightId } = await flyDemoPhotos(t, 'evidence', PHOTOS);
    const queue = (
      await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=200`, { token: t.tokens.reviewer })
    ).body.items;
    for (const item of queue.slice(0, 2)) {
      const res = await t.request('POST', `/api/v1/findings/${item.finding.id}/decision`, {
        token: t.tokens.reviewer,
        body: { decision: 'confirm', note: 'visible from two photos' },
      });
      caseId = res.body.case.id;
      reference = res.body.case.reference;
    }
    const move = (body: object) =>
      t.request('POST', `/api/v1/cases/${caseId}/transitions`, { token: t.tokens.regulator, body });
    expect((await move({ to: 'notified' })).status).toBe(200);
    expect(
      (await move({ to: 'rectification_due', dueAt: new Date(Date.now() + 7 * 86400_000).toISOString() })).status,
    ).toBe(200);
    const attachment = await t.request('PUT', `/api/v1/cases/${caseId}/attachments/rail.jpg`, {
      token: t.tokens.regulator,
      raw: await readFile(path.join(ROOT, 'samples/demo-flight', 'DJI_0001.JPG')),
    });
    expect(
      (await move({ to: 'rectified', attachmentIds: [attachment.body.id], note: 'photo of the new rail' })).status,
    ).toBe(200);
    const res = await t.request('GET', `/api/v1/cases/${caseId}/evidence.zip`, { token: t.tokens.regulator });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toContain(`${reference}-evidence.zip`);
    bundle = res.body as Buffer;
    bundlePath = path.join(dir, `${reference}.zip`);
    await writeFile(bundlePath, bundle);
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('when a bundle is downloaded, then it holds the originals exactly as uploaded, crops, metadata, model, reviews, audit entries, the report and a signed manifest', async () => {
    const { files, problems } = readZip(bundle);
    expect(problems).toEqual([]);
    const names = files.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'case.json',
        'model.json',
        'reviews.json',
        'audit.json',
        'report.html',
        'manifest.json',
        'signature.json',
      ]),
    );
    const manifest = JSON.parse(files.find((f) => f.name === MANIFEST_FILE)!.data.toString()) as Manifest;
    expect(manifest.case.reference).toBe(reference);
    const originals = await Promise.all(PHOTOS.map((p) => readFile(path.join(ROOT, 'samples/demo-flight', p))));
    const photoFiles = files.filter((f) => f.name.startsWith('photos/'));
    expect(photoFiles.length).toBeGreaterThanOrEqual(1);
    for (const photo of photoFiles) {
      // Byte for byte one of the uploaded photos, and named by its hash.
      expect(originals.some((o) => Buffer.compare(o, photo.data) === 0)).toBe(true);
      expect(photo.name).toBe(`photos/${sha256(photo.data)}.jpg`);
    }
    expect(
      files.filter((f) => f.name.startsWith('crops/')).every((f) => f.data[0] === 0xff && f.data[1] === 0xd8),
    ).toBe(true);
    expect(files.filter((f) => f.name.startsWith('metadata/')).length).toBe(photoFiles.length);
    expect(files.some((f) => f.name.startsWith('attachments/') && f.name.endsWith('rail.jpg'))).toBe(true);
    const model = JSON.parse(files.find((f) => f.name === 'model.json')!.data.toString());
    expect(model.models[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(model.thresholdsAtDetection.every((d: { threshold: number }) => d.threshold > 0)).toBe(true);
    const reviews = JSON.parse(files.find((f) => f.name === 'reviews.json')!.data.toString()).reviews;
    expect(reviews).toHaveLength(2);
    const audit = JSON.parse(files.find((f) => f.name === 'audit.json')!.data.toString());
    expect(audit.entries.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining([
        'image.uploaded',
        'image.processed',
        'finding.confirmed',
        'case.opened',
        'case.finding_added',
        'case.notified',
        'case.rectified',
        'case.evidence_export_started',
      ]),
    );
    const report = files.find((f) => f.name === 'report.html')!.data.toString();
    expect(report).toContain(reference);
    expect(report).toContain('Demo Chemicals Ltd');
    expect(report).toContain('限期整改');
  });

  it('when the bundle is verified, then verify-evidence reports it intact; pinned to the published key it passes, to another key it fails', async () => {
    const ok = cli(['verify-evidence', bundlePath]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`case ${reference}`);
    const keys = (await t.request('GET', '/api/v1/evidence/keys', { token: null })).body.keys;
    expect(keys).toHaveLength(1);
    expect(cli(['verify-evidence', bundlePath, '--key-id', keys[0].keyId]).status).toBe(0);
    const pemPath = path.join(dir, 'key.pem');
    await writeFile(pemPath, keys[0].publicKeyPem);
    expect(cli(['verify-evidence', bundlePath, '--public-key', pemPath]).status).toBe(0);
    const wrong = cli(['verify-evidence', bundlePath, '--key-id', 'f'.repeat(64), '--json']);
    expect(wrong.status).toBe(1);
    expect(JSON.parse(wrong.stdout).problems[0].file).toBe('signature.json');
    expect(cli(['verify-evidence']).status).toBe(2);
  });

  it('when any byte of any file in the bundle is changed, then verification fails and names that file', async () => {
    const { files } = readZip(bundle);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const target of files) {
      // Three random bytes of each file, one at a time, each re-zipped with a valid CRC (an editor's change).
      for (let k = 0; k < 3; k++) {
        const position = Math.floor(random() * target.data.length);
        const changed = Buffer.from(target.data);
        changed[position] = changed[position]! ^ (1 + Math.floor(random() * 255));
        const { files: read, problems } = readZip(
          rezip(files.map((f) => (f.name === target.name ? { name: f.name, data: changed } : f))),
        );
        const verdict = await verifyBundle(read, problems, nodeBundleCrypto);
        expect(verdict.ok, `${target.name}@${position}`).toBe(false);
        expect(verdict.problems[0]!.file, `${target.name}@${position}`).toBe(target.name);
      }
    }
  });

  it('when a byte of the archive itself is flipped inside a file, or a file is added or removed, then the file is named', async () => {
    const { files } = readZip(bundle);
    const photo = files.find((f) => f.name.startsWith('photos/'))!;
    const at = bundle.indexOf(photo.data.subarray(0, 256)) + 5000;
    const flipped = Buffer.from(bundle);
    flipped[at] = flipped[at]! ^ 0x40;
    const read = readZip(flipped);
    expect((await verifyBundle(read.files, read.problems, nodeBundleCrypto)).problems[0]!.file).toBe(photo.name);

    const extra = readZip(rezip([...files, { name: 'photos/planted.jpg', data: Buffer.from('x') }]));
    expect((await verifyBundle(extra.files, extra.problems, nodeBundleCrypto)).problems).toEqual([
      { file: 'photos/planted.jpg', code: 'file-added', problem: expect.stringMatching(/not listed/) },
    ]);
    const fewer = readZip(rezip(files.filter((f) => f.name !== photo.name)));
    expect((await verifyBundle(fewer.files, fewer.problems, nodeBundleCrypto)).problems.map((p) => p.file)).toContain(
      photo.name,
    );
  });

  it('when a changed bundle is given to verify-evidence, then it exits 1 and names the file', async () => {
    const { files } = readZip(bundle);
    const report = files.find((f) => f.name === 'report.html')!;
    const tampered = path.join(dir, 'tampered.zip');
    await writeFile(
      tampered,
      rezip(
        files.map((f) =>
          f === report
            ? { name: f.name, data: Buffer.from(f.data.toString().replace('Demo Chemicals Ltd', 'Other Company Ltd')) }
            : f,
        ),
      ),
    );
    const result = cli(['verify-evidence', tampered]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/report\.html: its sha256 .* the file was changed/);
  });

  it.skipIf(!havePython)(
    'when python’s zipfile reads the bundle, then every CRC is right (the archive is standard)',
    () => {
      const python = spawnSync(
        'python3',
        [
          '-c',
          'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); bad = z.testzip(); print(bad or "ok", len(z.namelist()))',
          bundlePath,
        ],
        { encoding: 'utf8' },
      );
      expect(python.stdout.trim()).toBe(`ok ${readZip(bundle).files.length}`);
    },
  );

  it('when a bundle is exported, then the audit trail records who started it and the hash of its manifest', async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const rows = (
        await client.query(
          `SELECT action, actor, detail FROM "${t.schema}".audit_log WHERE subject_id = $1 AND action LIKE 'case.evidence%' ORDER BY id`,
          [caseId],
        )
      ).rows;
      expect(rows.map((r) => r.action)).toEqual(['case.evidence_export_started', 'case.evidence_exported']);
      expect(rows[1].actor).toBe('regulator:test-regulator');
      const manifest = readZip(bundle).files.find((f) => f.name === MANIFEST_FILE)!;
      expect(rows[1].detail.manifestSha256).toBe(sha256(manifest.data));
    } finally {
      await client.end();
    }
    expect((await t.request('GET', `/api/v1/cases/${caseId}/evidence.zip`, { token: t.tokens.reviewer })).status).toBe(
      403,
    );
  });

  it('when a signing key file is configured, then bundles are signed with it and its private half never enters the database', async () => {
    const pem = generateSigningKeyPem();
    const keyFile = path.join(dir, 'evidence.pem');
    await writeFile(keyFile, pem);
    const other = await startTestApi({ withWorker: false, env: { EVIDENCE_SIGNING_KEY_FILE: keyFile } });
    try {
      const keys = (await other.request('GET', '/api/v1/evidence/keys', { token: null })).body.keys;
      expect(keys.map((k: { keyId: string }) => k.keyId)).toEqual([signingKeyFromPem(pem).keyId]);
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        const stored = (await client.query(`SELECT private_key FROM "${other.schema}".signing_keys`)).rows;
        expect(stored).toEqual([{ private_key: '' }]);
      } finally {
        await client.end();
      }
    } finally {
      await other.close();
    }
    const rsa = path.join(dir, 'rsa.pem');
    await writeFile(
      rsa,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    await expect(startTestApi({ withWorker: false, env: { EVIDENCE_SIGNING_KEY_FILE: rsa } })).rejects.toThrow(
      /rsa, not Ed25519/,
    );
  });
});
