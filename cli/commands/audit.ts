/**
 * hazardscope audit verify | checkpoint | export-checkpoints: the audit trail's hash chain and the
 * signed checkpoints of its head kept outside the database (docs/audit.md).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../pipeline/config.js';
import { createAuditContainer } from '../../pipeline/container.js';
import { keyIdOf } from '../../pipeline/evidence/signing.js';
import { commandLogger } from './helpers.js';

export const AUDIT_USAGE = `usage:
  hazardscope audit verify [--checkpoints DIR] [--key-id HEX]... [--public-key FILE.pem]... [--json]
                                  check the audit trail's hash chain, then the chain against the signed
                                  checkpoints in S3 (or an exported copy in DIR); exit 1 at a broken entry,
                                  a checkpoint the chain no longer matches, or a forged checkpoint.
                                  --key-id/--public-key: trust only these keys, not the ones on record
  hazardscope audit checkpoint    sign the chain's head into S3 now (the API does it every
                                  AUDIT_CHECKPOINT_INTERVAL_SECONDS when the head moved)
  hazardscope audit export-checkpoints DIR
                                  copy every checkpoint from S3 into DIR; files already there are never
                                  overwritten, and one that differs is reported (exit 1)`;

export async function runAudit(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        checkpoints: { type: 'string' },
        'key-id': { type: 'string', multiple: true },
        'public-key': { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n${AUDIT_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help) {
    console.log(AUDIT_USAGE);
    return 0;
  }
  if (command === 'verify' && rest.length === 0) return verify(values);
  if (command === 'checkpoint' && rest.length === 0) return checkpoint();
  if (command === 'export-checkpoints' && rest.length === 1) return exportCheckpoints(rest[0]!);
  console.error(AUDIT_USAGE);
  return 2;
}

async function verify(values: {
  checkpoints?: string | undefined;
  'key-id'?: string[] | undefined;
  'public-key'?: string[] | undefined;
  json?: boolean | undefined;
}): Promise<number> {
  const pinned: string[] = [];
  for (const id of values['key-id'] ?? []) {
    if (!/^[0-9a-f]{64}$/.test(id)) {
      console.error(`error: --key-id is 64 lower-case hex digits (GET /api/v1/evidence/keys), not "${id}"`);
      return 2;
    }
    pinned.push(id);
  }
  let offline: Array<{ source: string; text: string }> | undefined;
  try {
    for (const file of values['public-key'] ?? []) pinned.push(keyIdOf(await readFile(file, 'utf8')));
    if (values.checkpoints) offline = await readCheckpointDir(values.checkpoints);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  const config = loadConfig(process.env);
  const container = await createAuditContainer(config, commandLogger(config), { withStorage: !offline });
  try {
    const v = await container.anchor.verify({
      ...(offline ? { checkpoints: offline } : {}),
      pinnedKeyIds: pinned,
    });
    const ok = v.chain.ok && v.anchors.ok;
    if (values.json) {
      console.log(JSON.stringify({ ok, ...v }, null, 2));
      return ok ? 0 : 1;
    }
    const before = v.unchained ? ` (${v.unchained} entries precede the chain and are not covered)` : '';
    if (v.chain.ok) console.log(`audit trail intact: ${v.chain.entries} chained entries, head ${v.headHash}${before}`);
    else
      console.error(
        `audit trail broken at position ${v.chain.position} (entry id ${v.chain.entryId}): ${v.chain.problem}${before}`,
      );
    const from = offline ? values.checkpoints! : 'S3';
    if (v.checkpoints === 0) {
      console.log(
        `no audit checkpoints in ${from}: removing the newest entries and rewinding the head would go unnoticed (docs/audit.md)`,
      );
    } else if (v.anchors.newest) {
      console.log(
        `checkpoints: ${v.anchors.matched} of ${v.checkpoints} from ${from} match the chain; the newest covers ${v.anchors.newest.entries} entries (signed ${v.anchors.newest.at}, ${v.anchors.newest.source}); ${v.anchors.unanchored} newer entries are not anchored yet`,
      );
    }
    if (!v.anchors.ok) {
      console.error(
        `audit trail does NOT match its checkpoints: ${v.anchors.problems.length} problem${v.anchors.problems.length === 1 ? '' : 's'}`,
      );
      for (const p of v.anchors.problems) console.error(`  ${p.source}: ${p.problem}`);
    }
    return ok ? 0 : 1;
  } finally {
    await container.close();
  }
}

async function checkpoint(): Promise<number> {
  const config = loadConfig(process.env);
  const container = await createAuditContainer(config, commandLogger(config), { withStorage: true });
  try {
    const outcome = await container.anchor.checkpoint();
    if (outcome.written) console.log(`checkpoint written: ${outcome.key} (${outcome.entries} entries)`);
    else if (outcome.reason === 'empty') console.log('the audit trail is empty: nothing to anchor');
    else console.log(`the head is already anchored: ${outcome.key ?? ''} (${outcome.entries} entries)`);
    return 0;
  } finally {
    await container.close();
  }
}

async function exportCheckpoints(dir: string): Promise<number> {
  const config = loadConfig(process.env);
  const container = await createAuditContainer(config, commandLogger(config), { withStorage: true });
  let copied = 0;
  let kept = 0;
  const differing: string[] = [];
  try {
    for (const { key, text } of await container.anchor.list()) {
      const file = path.join(dir, ...key.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      try {
        await writeFile(file, text, { flag: 'wx' });
        copied++;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        // The offline copy is the reference: a stored checkpoint that changed since is the finding.
        if ((await readFile(file, 'utf8')) === text) kept++;
        else differing.push(key);
      }
    }
  } finally {
    await container.close();
  }
  console.log(`checkpoints exported to ${dir}: ${copied} new, ${kept} already there`);
  for (const key of differing)
    console.error(`  ${key}: differs from the copy already in ${dir} (kept the copy; the stored one was changed)`);
  return differing.length ? 1 : 0;
}

/** Every .json file under `dir`, named by its path inside it. */
async function readCheckpointDir(dir: string): Promise<Array<{ source: string; text: string }>> {
  const names = (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.json')).sort();
  const out: Array<{ source: string; text: string }> = [];
  for (const name of names)
    out.push({ source: name.split(path.sep).join('/'), text: await readFile(path.join(dir, name), 'utf8') });
  return out;
}
