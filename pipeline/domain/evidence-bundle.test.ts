import { describe, expect, it } from 'vitest';
import { generateSigningKeyPem, nodeBundleCrypto, signingKeyFromPem } from '../evidence/signing.js';
import { type BundleCrypto, type Manifest, signatureText, verifyBundle } from './evidence-bundle.js';
import type { ZipEntry } from './zip-read.js';

const key = signingKeyFromPem(generateSigningKeyPem());
const other = signingKeyFromPem(generateSigningKeyPem());
const bytes = (text: string) => new TextEncoder().encode(text);
const sha = (data: Uint8Array | string) => nodeBundleCrypto.sha256(data);

/** A small bundle signed as the evidence service signs one. */
function bundle(signer = key): ZipEntry[] {
  const photo = new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]);
  const caseJson = bytes('{"case":1}');
  const manifest: Manifest = {
    format: 'hazardscope-evidence/1',
    case: { id: 'c1', reference: 'HS-000001', status: 'filed' },
    generatedAt: '2026-12-01T00:00:00.000Z',
    generatedBy: { name: 'li', role: 'regulator', organisationId: 'o1' },
    auditHead: { entries: 0, lastHash: '0'.repeat(64) },
    photos: [{ path: 'photos/a.jpg', imageId: 'i1', originalFilename: 'a.jpg', recordedSha256: sha(photo) }],
    files: [
      { path: 'case.json', kind: 'case', sha256: sha(caseJson), bytes: caseJson.length },
      { path: 'photos/a.jpg', kind: 'photo', sha256: sha(photo), bytes: photo.length },
    ],
  };
  const manifestBytes = bytes(JSON.stringify(manifest));
  const signature = signatureText({
    algorithm: 'Ed25519',
    keyId: signer.keyId,
    publicKey: signer.publicKey,
    manifestSha256: sha(manifestBytes),
    signature: signer.sign(manifestBytes),
  });
  return [
    { name: 'case.json', data: caseJson },
    { name: 'photos/a.jpg', data: photo },
    { name: 'manifest.json', data: manifestBytes },
    { name: 'signature.json', data: bytes(signature) },
  ];
}

const replace = (files: ZipEntry[], name: string, change: (data: Uint8Array) => Uint8Array) =>
  files.map((f) => (f.name === name ? { name, data: change(f.data) } : f));
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const flipLast = (data: Uint8Array) => data.map((b, i) => (i === data.length - 1 ? b ^ 1 : b));

/** The browser's hashing and signature checks answer with promises: the check must wait for them. */
const asyncCrypto: BundleCrypto = {
  sha256: async (data) => Promise.resolve(nodeBundleCrypto.sha256(data)),
  verify: async (data, signature, publicKey) => Promise.resolve(nodeBundleCrypto.verify(data, signature, publicKey)),
};

describe('evidence bundle check', () => {
  const cases: Array<[string, () => ZipEntry[], string | undefined, string[]]> = [
    ['an untouched bundle', () => bundle(), undefined, []],
    ['an untouched bundle, signer pinned', () => bundle(), key.keyId, []],
    [
      'a bundle signed by another key than the pinned one',
      () => bundle(other),
      key.keyId,
      ['signature.json wrong-key'],
    ],
    [
      'one byte of a photo changed',
      () => replace(bundle(), 'photos/a.jpg', flipLast),
      undefined,
      ['photos/a.jpg file-changed'],
    ],
    ['a file added', () => [...bundle(), { name: 'x.txt', data: bytes('x') }], undefined, ['x.txt file-added']],
    ['a file removed', () => bundle().filter((f) => f.name !== 'case.json'), undefined, ['case.json file-removed']],
    [
      'the manifest changed',
      () => replace(bundle(), 'manifest.json', (d) => bytes(text(d).replace('HS-000001', 'HS-000002'))),
      undefined,
      ['manifest.json manifest-changed'],
    ],
    [
      'the signature changed in its canonical form',
      () =>
        replace(bundle(), 'signature.json', (d) => {
          const doc = JSON.parse(text(d)) as { signature: string };
          return bytes(
            text(d).replace(doc.signature, (doc.signature.startsWith('A') ? 'B' : 'A') + doc.signature.slice(1)),
          );
        }),
      undefined,
      ['signature.json signature-invalid'],
    ],
    [
      'the signature re-spaced',
      () => replace(bundle(), 'signature.json', (d) => bytes(text(d).replace('{', '{ '))),
      undefined,
      ['signature.json signature-malformed'],
    ],
    [
      'the signature removed',
      () => bundle().filter((f) => f.name !== 'signature.json'),
      undefined,
      ['signature.json signature-missing'],
    ],
    [
      'the manifest removed',
      () => bundle().filter((f) => f.name !== 'manifest.json'),
      undefined,
      ['manifest.json manifest-missing'],
    ],
  ];

  for (const [what, files, pinned, expected] of cases) {
    it(`when ${what} is checked, then the problems are ${expected.length ? expected.join(', ') : 'none'}, with sync and async crypto alike`, async () => {
      for (const crypto of [nodeBundleCrypto, asyncCrypto]) {
        const verdict = await verifyBundle(files(), [], crypto, pinned);
        expect(verdict.problems.map((p) => `${p.file} ${p.code}`)).toEqual(expected);
        expect(verdict.ok).toBe(expected.length === 0);
      }
    });
  }

  it('when the bundle is intact, then the verdict carries each file’s hash, the signer and a valid signature', async () => {
    const verdict = await verifyBundle(bundle(), [], asyncCrypto);
    expect(verdict.signatureValid).toBe(true);
    expect(verdict.keyId).toBe(key.keyId);
    expect(Object.keys(verdict.hashes).sort()).toEqual(['case.json', 'photos/a.jpg']);
  });

  it('when the signature does not hold, then no file is checked against the manifest', async () => {
    const files = replace(replace(bundle(), 'photos/a.jpg', flipLast), 'manifest.json', (d) =>
      bytes(text(d).replace('filed', 'closed')),
    );
    const verdict = await verifyBundle(files, [], asyncCrypto);
    expect(verdict.signatureValid).toBe(false);
    expect(verdict.hashes).toEqual({});
    expect(verdict.problems.map((p) => p.code)).toEqual(['manifest-changed']);
  });
});
