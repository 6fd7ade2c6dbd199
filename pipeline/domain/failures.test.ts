import { describe, expect, it } from 'vitest';
import { failureCategory } from './failures.js';

describe('failureCategory', () => {
  it.each([
    ['not a decodable image: Input buffer contains unsupported image format', 'undecodable'],
    ['content sha256 0f3a does not match the registered 9b2c', 'content_mismatch'],
    ['image 5b0e2c1a no longer exists', 'missing'],
    ['job stalled more than allowable limit', 'stalled'],
    ['could not read the original from storage: connect ECONNREFUSED 127.0.0.1:9000', 'storage'],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'database'],
    ['Connection terminated unexpectedly', 'database'],
    ['Connection is closed.', 'queue'],
    ['inference failed: worker thread exited', 'inference'],
    ['something nobody foresaw', 'other'],
    ['', 'other'],
    [null, 'other'],
  ] as const)('when a photo failed with "%s", then the category is %s', (reason, expected) => {
    expect(failureCategory(reason)).toBe(expected);
  });
});
