import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_TYPES_COMMAND, API_TYPES_FILE, generateApiTypes } from '../../scripts/gen-api-types.js';

/** Where two texts first part, by line, short enough to read in a failure message. */
function firstDifference(committed: string, generated: string): string {
  const a = committed.split('\n');
  const b = generated.split('\n');
  for (let n = 0; n < Math.max(a.length, b.length); n++) {
    if (a[n] !== b[n])
      return `line ${n + 1}: committed ${JSON.stringify(a[n]?.trim() ?? '(end of file)')}, generated ${JSON.stringify(b[n]?.trim() ?? '(end of file)')}`;
  }
  return 'none by line';
}

describe("the web app's API types", () => {
  it('when the types are generated afresh from the API contracts, then the committed file is the same', async () => {
    const file = path.relative(path.resolve(import.meta.dirname, '../..'), API_TYPES_FILE);
    const committed = await readFile(API_TYPES_FILE, 'utf8').catch(() => undefined);
    if (committed === undefined) expect.fail(`${file} is missing: run \`${API_TYPES_COMMAND}\` and commit it`);
    const generated = await generateApiTypes();
    if (committed !== generated) {
      expect.fail(
        `${file} is stale: it no longer matches the API's zod contracts (first difference at ${firstDifference(committed, generated)}). Run \`${API_TYPES_COMMAND}\` and commit the result.`,
      );
    }
    expect(generated).toContain('export interface paths');
  });
});
