/**
 * The offline verifier's engine: reads a bundle's ZIP with fflate and runs the domain's bundle
 * check (the one `hazardscope verify-evidence` runs) with the browser's WebCrypto. Where WebCrypto
 * is missing (a page opened over plain http from another machine is not a secure context, so
 * `crypto.subtle` is undefined) or lacks Ed25519 (Firefox before 129, Safari before 17), the bundled
 * @noble libraries do the same work in JavaScript. Nothing here touches the network.
 */
import * as ed from '@noble/ed25519';
import { sha256 as jsSha256, sha512 } from '@noble/hashes/sha2.js';
import { inflateSync } from 'fflate';
import { type BundleCrypto, verifyBundle } from '../../pipeline/domain/evidence-bundle.js';
import { crc32Js, readZipEntries } from '../../pipeline/domain/zip-read.js';

ed.hashes.sha512 = sha512;

/** Which implementation did the work, shown to the reader: `webcrypto` or `javascript`. */
type Engine = 'webcrypto' | 'javascript';

// An Ed25519 SubjectPublicKeyInfo is this 12-byte DER prefix and the 32-byte key (RFC 8410).
const ED25519_SPKI_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

const encoder = new TextEncoder();

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** A fresh ArrayBuffer-backed copy: WebCrypto's types take no views of shared or resizable buffers. */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

function jsVerify(data: Uint8Array, signature: Uint8Array, spki: Uint8Array): boolean {
  if (spki.length !== 44 || ED25519_SPKI_PREFIX.some((b, i) => spki[i] !== b)) return false;
  try {
    // RFC 8032's rules, as OpenSSL (and so the CLI) applies them, not ZIP 215's looser ones.
    return ed.verify(signature, data, spki.subarray(12), { zip215: false });
  } catch {
    return false;
  }
}

function browserCrypto(options: { forceJavaScript?: boolean } = {}): BundleCrypto & { engines: Set<Engine> } {
  const subtle = options.forceJavaScript ? undefined : (globalThis.crypto as Crypto | undefined)?.subtle;
  const engines = new Set<Engine>();
  return {
    engines,
    async sha256(data) {
      const bytes = typeof data === 'string' ? encoder.encode(data) : data;
      if (subtle) {
        engines.add('webcrypto');
        return hex(new Uint8Array(await subtle.digest('SHA-256', own(bytes))));
      }
      engines.add('javascript');
      return hex(jsSha256(bytes));
    },
    async verify(data, signature, publicKey) {
      let sig: Uint8Array<ArrayBuffer>;
      let spki: Uint8Array<ArrayBuffer>;
      try {
        sig = base64Bytes(signature);
        spki = base64Bytes(publicKey);
      } catch {
        return false;
      }
      if (subtle) {
        let key: CryptoKey | undefined;
        try {
          key = await subtle.importKey('spki', spki, { name: 'Ed25519' }, false, ['verify']);
        } catch {
          // Ed25519 unsupported here, or a key it refuses: the library decides either way.
        }
        if (key) {
          engines.add('webcrypto');
          return subtle.verify({ name: 'Ed25519' }, key, sig, own(data));
        }
      }
      engines.add('javascript');
      return jsVerify(data, sig, spki);
    },
  };
}

/** Reads and checks a bundle; `expectedKeyId` pins the signer as --key-id does for the CLI. */
export async function checkBundle(
  archive: Uint8Array,
  options: { expectedKeyId?: string | undefined; forceJavaScript?: boolean } = {},
) {
  const crypto = browserCrypto({ forceJavaScript: options.forceJavaScript ?? false });
  const { files, problems } = readZipEntries(archive, { inflateRaw: (data) => inflateSync(data), crc32: crc32Js });
  const verdict = await verifyBundle(files, problems, crypto, options.expectedKeyId);
  const auditFile = files.find((f) => f.name === 'audit.json');
  let auditEntries: number | undefined;
  try {
    if (auditFile)
      auditEntries = (JSON.parse(new TextDecoder().decode(auditFile.data)) as { entries?: unknown[] }).entries?.length;
  } catch {
    // The check above reports an audit.json that is not JSON.
  }
  return { ...verdict, names: files.map((f) => f.name), auditEntries, engines: [...crypto.engines] };
}

export type CheckResult = Awaited<ReturnType<typeof checkBundle>>;
