/** Whether an object a presigned upload left in the bucket is the photo that was asked for. Pure. */

/**
 * The value of `x-amz-checksum-sha256` for a photo: the digest in base64, where the API speaks hex.
 * Signed into the presigned PUT, so a client cannot drop or change it; MinIO then refuses a body
 * with another hash (BadDigest), and a server that ignores it is caught at registration.
 */
export function checksumSha256Header(sha256Hex: string): string {
  return Buffer.from(sha256Hex, 'hex').toString('base64');
}

export type UploadVerdict =
  | { kind: 'verified' }
  /** Fewer bytes than asked for and the upload may still be running (or be resumed): left alone. */
  | { kind: 'incomplete'; reason: string }
  /** Not the photo: never registered, deleted, and the reason kept for the operator. */
  | { kind: 'rejected'; reason: string };

interface StoredUpload {
  /** The sha256 the content-addressed key names. */
  expectedSha256: string;
  /** What the stored bytes hash to, read in full. */
  actualSha256: string;
  storedBytes: number;
  /** The size the upload ticket declared; undefined when no ticket said (older tickets, direct writes). */
  declaredBytes: number | undefined;
  /** The flight is being completed or is complete: nothing more will arrive, so short is wrong. */
  final: boolean;
}

/**
 * The bytes decide: an object whose hash is the one its key names is the photo, whatever a ticket
 * said. Otherwise a shorter object than declared is an upload cut short (the embedded S3 server
 * writes in place, so an interrupted PUT leaves a prefix of the photo), which a resumed upload
 * overwrites; anything else is a different body. Once the flight is final, a cut-short upload will
 * never be finished and is rejected too.
 */
export function judgeStoredUpload(upload: StoredUpload): UploadVerdict {
  if (upload.actualSha256 === upload.expectedSha256) return { kind: 'verified' };
  const short = upload.declaredBytes !== undefined && upload.storedBytes < upload.declaredBytes;
  if (!upload.final && (short || upload.declaredBytes === undefined)) {
    return {
      kind: 'incomplete',
      reason: short
        ? `only ${upload.storedBytes} of ${upload.declaredBytes} bytes have arrived`
        : `the stored ${upload.storedBytes} bytes do not hash to the sha256 in the key; the upload may still be under way`,
    };
  }
  if (short)
    return {
      kind: 'rejected',
      reason: `incomplete upload: only ${upload.storedBytes} of ${upload.declaredBytes} bytes arrived before the flight was completed`,
    };
  const declared =
    upload.declaredBytes === undefined || upload.declaredBytes === upload.storedBytes
      ? ''
      : ` (${upload.declaredBytes} declared)`;
  return {
    kind: 'rejected',
    reason: `different body: ${upload.storedBytes} bytes${declared} hashing to sha256 ${upload.actualSha256}, not the ${upload.expectedSha256} the upload was for`,
  };
}
