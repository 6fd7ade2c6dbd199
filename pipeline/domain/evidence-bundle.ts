/**
 * The evidence bundle's format and its check. A bundle is a ZIP of the case's files, a
 * manifest.json listing each file with its sha256 and size, and a signature.json: an Ed25519
 * signature over manifest.json's bytes. Changing any byte of any file breaks its hash against the
 * manifest; changing the manifest breaks the signed hash; changing the signature breaks the
 * signature or its canonical form.
 *
 * Pure and platform-neutral (Uint8Array, TextDecoder; hashing and signature checks come in as
 * functions that may answer asynchronously): `hazardscope verify-evidence` runs it with node:crypto,
 * the offline verifier page (web/verify) in a browser with WebCrypto, so both check the same things.
 */
import { type ChainedEntry, canonicalJson, chainText, entryBody } from './audit-chain.js';
import type { ZipEntry, ZipProblem } from './zip-read.js';

export const BUNDLE_FORMAT = 'hazardscope-evidence/1';
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'signature.json';

export type FileKind = 'case' | 'photo' | 'crop' | 'metadata' | 'model' | 'reviews' | 'audit' | 'attachment' | 'report';

export interface ManifestFile {
  path: string;
  kind: FileKind;
  sha256: string;
  bytes: number;
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  case: { id: string; reference: string; status: string };
  generatedAt: string;
  generatedBy: { name: string; role: string; organisationId: string };
  /** The audit trail's head when the bundle was made: `hazardscope audit verify` on the server can confirm the entries in audit.json belong to it. */
  auditHead: { entries: number; lastHash: string };
  /** Each photo with the hash recorded when it was uploaded; the file must hash to the same. */
  photos: Array<{ path: string; imageId: string; originalFilename: string | null; recordedSha256: string }>;
  files: ManifestFile[];
}

interface SignatureDocument {
  algorithm: 'Ed25519';
  /** sha256 of the public key (SPKI DER), hex: the fingerprint people compare. */
  keyId: string;
  /** SPKI DER, base64. */
  publicKey: string;
  manifestSha256: string;
  /** Over manifest.json's bytes, base64. */
  signature: string;
}

/** The exact text of signature.json: canonical JSON, so any byte changed is a different document. */
export function signatureText(doc: SignatureDocument): string {
  return `${canonicalJson(doc)}\n`;
}

export interface BundleCrypto {
  /** Lower-case hex sha256 (of a string's UTF-8 bytes). */
  sha256(data: Uint8Array | string): string | Promise<string>;
  /** Whether `signature` (base64) is a valid Ed25519 signature of `data` by the SPKI DER key (base64). */
  verify(data: Uint8Array, signature: string, publicKey: string): boolean | Promise<boolean>;
}

/**
 * What is wrong, as a code a reader's language can be chosen for (the verifier page translates it)
 * beside the English sentence the CLI prints. The archive's own codes come from zip-read.ts.
 */
export type BundleProblemCode =
  | ZipProblem['code']
  | 'manifest-missing'
  | 'manifest-malformed'
  | 'manifest-changed'
  | 'signature-missing'
  | 'signature-malformed'
  | 'signature-invalid'
  | 'wrong-key'
  | 'file-changed'
  | 'file-removed'
  | 'file-added'
  | 'photo-not-as-uploaded'
  | 'audit-entry-changed';

interface BundleProblem {
  file: string;
  code: BundleProblemCode;
  problem: string;
}

interface BundleVerdict {
  ok: boolean;
  problems: BundleProblem[];
  manifest?: Manifest;
  keyId?: string;
  /** Whether the manifest's signature verified under the key the bundle carries (`problems` says whether that key was the expected one). */
  signatureValid: boolean;
  /** Each file's sha256 as read, by name; empty when the manifest could not be trusted, since nothing was checked against it. */
  hashes: Record<string, string>;
  files: number;
}

const utf8 = new TextDecoder('utf-8');

function base64Bytes(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Checks a bundle's files (already read from the archive; damaged entries come in as `problems`).
 * `expectedKeyId` pins the signer: without it, the bundle is only shown to be intact under the key
 * it carries, whose fingerprint the caller must compare with the agency's published one.
 */
export async function verifyBundle(
  files: readonly ZipEntry[],
  archiveProblems: readonly BundleProblem[],
  crypto: BundleCrypto,
  expectedKeyId?: string,
): Promise<BundleVerdict> {
  const problems: BundleProblem[] = [...archiveProblems];
  const byName = new Map(files.map((f) => [f.name, f.data]));
  const damaged = new Set(archiveProblems.map((p) => p.file));
  const hashes: Record<string, string> = {};
  let signatureValid = false;
  const done = (extra: Partial<BundleVerdict> = {}): BundleVerdict => ({
    ok: problems.length === 0,
    problems,
    files: files.length,
    signatureValid,
    hashes,
    ...extra,
  });

  const manifestBytes = byName.get(MANIFEST_FILE);
  const signatureBytes = byName.get(SIGNATURE_FILE);
  if (!manifestBytes) {
    if (!damaged.has(MANIFEST_FILE))
      problems.push({
        file: MANIFEST_FILE,
        code: 'manifest-missing',
        problem: 'missing: without it nothing in the bundle can be checked',
      });
    return done();
  }

  // The signature first: it decides whether the manifest can be trusted.
  let signature: SignatureDocument | undefined;
  let manifestTrusted = false;
  if (!signatureBytes) {
    if (!damaged.has(SIGNATURE_FILE))
      problems.push({
        file: SIGNATURE_FILE,
        code: 'signature-missing',
        problem: 'missing: the manifest is not signed',
      });
  } else {
    const text = utf8.decode(signatureBytes);
    try {
      signature = JSON.parse(text) as SignatureDocument;
    } catch {
      problems.push({ file: SIGNATURE_FILE, code: 'signature-malformed', problem: 'not valid JSON (it was changed)' });
    }
    if (signature) {
      const shapeOk =
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the bundle is untrusted input: its types say what it should hold
        signature !== null &&
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- as above
        signature.algorithm === 'Ed25519' &&
        [signature.keyId, signature.publicKey, signature.manifestSha256, signature.signature].every(
          (v) => typeof v === 'string',
        );
      const publicKey = shapeOk ? base64Bytes(signature.publicKey) : undefined;
      const manifestSha256 = await crypto.sha256(manifestBytes);
      if (!shapeOk || signatureText(signature) !== text || !publicKey) {
        problems.push({
          file: SIGNATURE_FILE,
          code: 'signature-malformed',
          problem: 'not in its canonical form (it was changed)',
        });
      } else if ((await crypto.sha256(publicKey)) !== signature.keyId) {
        problems.push({
          file: SIGNATURE_FILE,
          code: 'signature-malformed',
          problem: 'its key id is not the fingerprint of its public key (it was changed)',
        });
      } else if (manifestSha256 !== signature.manifestSha256) {
        problems.push({
          file: MANIFEST_FILE,
          code: 'manifest-changed',
          problem: `its sha256 ${manifestSha256} is not the signed ${signature.manifestSha256} (the manifest was changed)`,
        });
      } else if (!(await crypto.verify(manifestBytes, signature.signature, signature.publicKey))) {
        problems.push({
          file: SIGNATURE_FILE,
          code: 'signature-invalid',
          problem: 'the signature does not verify against its key (it was changed)',
        });
      } else {
        signatureValid = true;
        if (expectedKeyId && signature.keyId !== expectedKeyId) {
          problems.push({
            file: SIGNATURE_FILE,
            code: 'wrong-key',
            problem: `signed by key ${signature.keyId}, not the expected ${expectedKeyId}`,
          });
        } else {
          manifestTrusted = true;
        }
      }
    }
  }
  const keyId = signature?.keyId;

  let manifest: Manifest;
  try {
    manifest = JSON.parse(utf8.decode(manifestBytes)) as Manifest;
  } catch {
    if (!problems.some((p) => p.file === MANIFEST_FILE))
      problems.push({ file: MANIFEST_FILE, code: 'manifest-malformed', problem: 'not valid JSON' });
    return done({ keyId });
  }
  if (!manifestTrusted) {
    // Files checked against a manifest that may be forged would prove nothing.
    return done({ manifest, keyId });
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the bundle is untrusted input: its types say what it should hold
  if (manifest?.format !== BUNDLE_FORMAT || !Array.isArray(manifest.files)) {
    problems.push({ file: MANIFEST_FILE, code: 'manifest-malformed', problem: `not a ${BUNDLE_FORMAT} manifest` });
    return done({ manifest, keyId });
  }

  const listed = new Set<string>();
  for (const entry of manifest.files) {
    listed.add(entry.path);
    const data = byName.get(entry.path);
    if (!data) {
      if (!damaged.has(entry.path))
        problems.push({
          file: entry.path,
          code: 'file-removed',
          problem: 'listed in the manifest but not in the bundle (it was removed)',
        });
      continue;
    }
    const actual = await crypto.sha256(data);
    hashes[entry.path] = actual;
    if (actual !== entry.sha256 || data.length !== entry.bytes)
      problems.push({
        file: entry.path,
        code: 'file-changed',
        problem: `its sha256 ${actual} (${data.length} bytes) is not the manifest's ${entry.sha256} (${entry.bytes} bytes): the file was changed`,
      });
  }
  for (const f of files) {
    if (f.name !== MANIFEST_FILE && f.name !== SIGNATURE_FILE && !listed.has(f.name)) {
      hashes[f.name] = await crypto.sha256(f.data);
      problems.push({ file: f.name, code: 'file-added', problem: 'not listed in the manifest (it was added)' });
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the bundle is untrusted input: its types say what it should hold
  for (const photo of manifest.photos ?? []) {
    const entry = manifest.files.find((f) => f.path === photo.path);
    if (entry && entry.sha256 !== photo.recordedSha256)
      problems.push({
        file: photo.path,
        code: 'photo-not-as-uploaded',
        problem: `its sha256 is not the ${photo.recordedSha256} recorded when it was uploaded`,
      });
  }
  const audit = byName.get('audit.json');
  if (audit && !problems.some((p) => p.file === 'audit.json')) {
    for (const problem of await auditEntryProblems(
      JSON.parse(utf8.decode(audit)) as { entries?: ChainedEntry[] },
      crypto,
    ))
      problems.push({ file: 'audit.json', code: 'audit-entry-changed', problem });
  }
  return done({ manifest, keyId });
}

/** Each audit entry must hash, with the hash before it, to the hash it carries (as in the trail). */
async function auditEntryProblems(audit: { entries?: ChainedEntry[] }, crypto: BundleCrypto): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, entry] of (audit.entries ?? []).entries()) {
    if ((await crypto.sha256(chainText(entry.prevHash, entryBody(entry)))) !== entry.hash)
      problems.push(`entry ${i} (audit id ${entry.id}) does not match its hash`);
  }
  return problems;
}
