/**
 * The evidence bundle's format and its check, for the server and the CLI. Both live in
 * pipeline/domain/evidence-bundle.ts, because the offline verifier page (web/verify) runs the same
 * check in a browser; this module keeps the evidence layer's one name for them.
 */
export {
  BUNDLE_FORMAT,
  type BundleCrypto,
  type FileKind,
  MANIFEST_FILE,
  type Manifest,
  type ManifestFile,
  SIGNATURE_FILE,
  signatureText,
  verifyBundle,
} from '../domain/evidence-bundle.js';
