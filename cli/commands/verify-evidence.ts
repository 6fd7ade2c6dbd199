/**
 * hazardscope verify-evidence FILE.zip [--key-id HEX | --public-key FILE.pem] [--json]
 *
 * Recomputes every hash in an evidence bundle and checks the manifest's signature, offline: no
 * database, no server. Exit 0 when intact, 1 naming each file that is not, 2 on bad arguments.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { verifyBundle } from '../../pipeline/evidence/bundle.js';
import { keyIdOf, nodeBundleCrypto } from '../../pipeline/evidence/signing.js';
import { readZip } from '../../pipeline/evidence/zip.js';

export const VERIFY_USAGE = `usage:
  hazardscope verify-evidence FILE.zip [--key-id HEX | --public-key FILE.pem] [--json]
                                  recompute every hash in an evidence bundle and check its signature;
                                  --key-id/--public-key pin the agency's key (GET /api/v1/evidence/keys)`;

export async function runVerifyEvidence(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'key-id': { type: 'string' },
        'public-key': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n${VERIFY_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(VERIFY_USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (positionals.length !== 1) problems.push('give exactly one bundle (FILE.zip)');
  if (values['key-id'] && values['public-key']) problems.push('give --key-id or --public-key, not both');
  if (values['key-id'] && !/^[0-9a-f]{64}$/.test(values['key-id']))
    problems.push('--key-id is 64 lower-case hex digits (the fingerprint from /api/v1/evidence/keys)');
  if (problems.length) {
    console.error(`${problems.map((p) => `error: ${p}`).join('\n')}\n${VERIFY_USAGE}`);
    return 2;
  }
  let archive: Buffer;
  let expectedKeyId = values['key-id'];
  try {
    archive = await readFile(positionals[0]!);
    if (values['public-key']) expectedKeyId = keyIdOf(await readFile(values['public-key'], 'utf8'));
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  const { files, problems: damaged } = readZip(archive);
  const verdict = await verifyBundle(files, damaged, nodeBundleCrypto, expectedKeyId);
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          ok: verdict.ok,
          case: verdict.manifest?.case ?? null,
          keyId: verdict.keyId ?? null,
          keyPinned: expectedKeyId !== undefined,
          files: verdict.files,
          problems: verdict.problems,
        },
        null,
        2,
      ),
    );
  } else if (verdict.ok) {
    const m = verdict.manifest!;
    console.log(
      `evidence bundle intact: case ${m.case.reference}, ${verdict.files} files, made ${m.generatedAt} for ${m.generatedBy.name}`,
    );
    if (expectedKeyId) console.log(`signed by the expected key ${verdict.keyId}`);
    else {
      // Intact says only that nothing changed since it was signed: by whom, only the key can say.
      console.log(`signed by key ${verdict.keyId}, which was NOT checked against the agency's key:`);
      console.log(
        '  compare it with the fingerprint the agency publishes (GET /api/v1/evidence/keys), or pass --key-id or --public-key;',
      );
      console.log('  anyone can sign a bundle with a key of their own.');
    }
  } else {
    console.error(
      `evidence bundle FAILED: ${verdict.problems.length} problem${verdict.problems.length === 1 ? '' : 's'}`,
    );
    for (const p of verdict.problems) console.error(`  ${p.file}: ${p.problem}`);
  }
  return verdict.ok ? 0 : 1;
}
