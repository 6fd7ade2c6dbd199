import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checksumSha256Header, judgeStoredUpload, type UploadVerdict } from './uploads.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('judgeStoredUpload', () => {
  const cases: Array<[string, Parameters<typeof judgeStoredUpload>[0], UploadVerdict['kind'], RegExp?]> = [
    [
      'when the bytes hash to the key, then verified',
      { expectedSha256: A, actualSha256: A, storedBytes: 10, declaredBytes: 10, final: false },
      'verified',
    ],
    [
      'when the bytes hash to the key but the ticket declared another size, then verified (the bytes decide)',
      { expectedSha256: A, actualSha256: A, storedBytes: 10, declaredBytes: 12, final: true },
      'verified',
    ],
    [
      'when fewer bytes than declared are stored in an open flight, then incomplete',
      { expectedSha256: A, actualSha256: B, storedBytes: 4, declaredBytes: 10, final: false },
      'incomplete',
      /only 4 of 10 bytes/,
    ],
    [
      'when fewer bytes than declared are stored and the flight is final, then rejected as incomplete',
      { expectedSha256: A, actualSha256: B, storedBytes: 4, declaredBytes: 10, final: true },
      'rejected',
      /incomplete upload: only 4 of 10 bytes/,
    ],
    [
      'when as many bytes as declared hash otherwise, then rejected as a different body',
      { expectedSha256: A, actualSha256: B, storedBytes: 10, declaredBytes: 10, final: false },
      'rejected',
      /^different body: 10 bytes hashing to sha256 b+, not the a+ the upload was for$/,
    ],
    [
      'when more bytes than declared are stored, then rejected as a different body naming both sizes',
      { expectedSha256: A, actualSha256: B, storedBytes: 12, declaredBytes: 10, final: false },
      'rejected',
      /different body: 12 bytes \(10 declared\) hashing/,
    ],
    [
      'when no size was declared and the flight is open, then incomplete (it may still be arriving)',
      { expectedSha256: A, actualSha256: B, storedBytes: 12, declaredBytes: undefined, final: false },
      'incomplete',
      /may still be under way/,
    ],
    [
      'when no size was declared and the flight is final, then rejected as a different body',
      { expectedSha256: A, actualSha256: B, storedBytes: 12, declaredBytes: undefined, final: true },
      'rejected',
      /^different body: 12 bytes hashing/,
    ],
  ];
  it.each(cases)('%s', (_name, input, kind, reason) => {
    const verdict = judgeStoredUpload(input);
    expect(verdict.kind).toBe(kind);
    if (reason) expect(verdict.kind !== 'verified' && verdict.reason).toMatch(reason);
  });
});

describe('checksumSha256Header', () => {
  it('when given a hex digest, then it answers the base64 of the same digest, as S3 expects', () => {
    const body = Buffer.from('photo bytes');
    const hex = createHash('sha256').update(body).digest('hex');
    expect(checksumSha256Header(hex)).toBe(createHash('sha256').update(body).digest('base64'));
  });
});
