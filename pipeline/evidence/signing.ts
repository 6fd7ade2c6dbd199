/** Ed25519 keys for signing evidence bundles, through node:crypto. */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import type { BundleCrypto } from './bundle.js';

export interface SigningKey {
  /** sha256 of the SPKI DER public key, hex. */
  keyId: string;
  /** SPKI DER, base64. */
  publicKey: string;
  sign(data: Uint8Array): string;
}

/** The project's one hex sha256: manifests, key fingerprints and the audit chain must hash alike. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function generateSigningKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A signing key from its private key in PKCS#8 PEM; anything else (an RSA key, a public key) is refused. */
export function signingKeyFromPem(pem: string): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new Error(`the evidence signing key is not a PEM private key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`the evidence signing key is ${key.asymmetricKeyType}, not Ed25519`);
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return {
    keyId: sha256Hex(der),
    publicKey: der.toString('base64'),
    sign: (data) => sign(null, data, key).toString('base64'),
  };
}

/** The fingerprint of a public key given as PEM or as base64 SPKI DER. */
export function keyIdOf(publicKey: string): string {
  const key = publicKey.includes('BEGIN')
    ? createPublicKey(publicKey)
    : createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
  return sha256Hex(key.export({ type: 'spki', format: 'der' }));
}

/** Synchronous, so the audit checkpoints can use it outside the bundle check too. */
export const nodeBundleCrypto = {
  sha256: sha256Hex,
  verify(data: Uint8Array, signature: string, publicKey: string): boolean {
    try {
      const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
      return verify(null, data, key, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  },
} satisfies BundleCrypto;
