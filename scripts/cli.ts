/**
 * hazardscope: administration from the shell.
 *
 *   npm run hazardscope -- org create --name "Zhengzhou EMB" --region 4101
 *   npm run hazardscope -- org list
 *   npm run hazardscope -- token create --name alice --role reviewer [--org NAME|ID] [--region 410105]
 *   npm run hazardscope -- token list
 *   npm run hazardscope -- token revoke <id>
 *   npm run hazardscope -- audit verify
 *   npm run hazardscope -- verify-evidence HS-000123-evidence.zip [--key-id HEX]
 *   npm run hazardscope -- detect <image|folder> [--model DIR] [--no-tile] [--json] [--annotate DIR]
 *   npm run hazardscope -- export-training --since 2025-03-01 --out DIR [--org NAME]
 *   npm run hazardscope -- model evaluate|activate|list [--model DIR]
 *
 * With embedded PGlite (no DATABASE_URL), run token commands while the server is stopped: PGlite
 * belongs to one process at a time.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../pipeline/config.js';
import { createAdminContainer } from '../pipeline/container.js';
import { DomainError } from '../pipeline/domain/errors.js';
import { ROLES, type Role } from '../pipeline/domain/roles.js';
import { DETECT_USAGE, runDetect } from './detect-command.js';
import { EXPORT_TRAINING_USAGE, runExportTraining } from './export-training-command.js';
import { MODEL_USAGE, runModel } from './model-command.js';
import { runVerifyEvidence, VERIFY_USAGE } from './verify-evidence-command.js';

const USAGE = `usage:
  hazardscope org create --name NAME --region CODE   an organisation (bureau) and its jurisdiction (2/4/6-digit region code, "" for the whole country)
  hazardscope org list
  hazardscope org adopt-default --org NAME|ID   move what existed before organisations (the default one) into NAME
  hazardscope token create --name NAME --role ${ROLES.join('|')} [--org NAME|ID] [--region CODE]
                                  a token for a person (made on first use); --org may be left out while there is one organisation
  hazardscope token list
  hazardscope token revoke TOKEN_ID
  hazardscope audit verify        check the audit trail's hash chain; exit 1 at the first broken entry
${VERIFY_USAGE.replace(/^usage:\n/, '')}
${DETECT_USAGE.replace(/^usage:\n/, '')}
${EXPORT_TRAINING_USAGE.replace(/^usage:\n/, '')}
${MODEL_USAGE.replace(/^usage:\n/, '')}`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'detect') return runDetect(argv.slice(1), loadConfig(process.env).MODEL_DIR);
  if (argv[0] === 'verify-evidence') return runVerifyEvidence(argv.slice(1));
  if (argv[0] === 'export-training') return runExportTraining(argv.slice(1));
  if (argv[0] === 'model') return runModel(argv.slice(1));
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' }, role: { type: 'string' }, org: { type: 'string' }, region: { type: 'string' }, help: { type: 'boolean' } } });
  const [group, command, arg] = positionals;
  if (group === 'audit' && command === 'verify') return verifyAudit();
  if (group === 'org' && (command === 'create' || command === 'list' || command === 'adopt-default')) return organisations(command, values);
  if (values.help || group !== 'token' || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfig(process.env);
  const admin = await createAdminContainer(config);
  try {
    switch (command) {
      case 'create': {
        const problems: string[] = [];
        if (!values.name?.trim()) problems.push('--name is required');
        if (!ROLES.includes(values.role as Role)) problems.push(`--role must be one of ${ROLES.join(', ')}`);
        if (problems.length) {
          console.error(problems.map((p) => `error: ${p}`).join('\n'));
          return 2;
        }
        const created = await admin.tokens.create({ name: values.name!.trim(), role: values.role as Role, organisation: values.org, regionCode: values.region }, 'cli');
        console.log(`created ${values.role} token for "${values.name}" of ${created.organisation.name}, region ${created.regionCode || 'all'} (id ${created.id})\n\n  ${created.token}\n\nIt is shown only now; store it safely.`);
        return 0;
      }
      case 'list':
        for (const t of await admin.tokens.list()) console.log(`${t.id}  ${t.role.padEnd(9)}  ${t.revokedAt ? 'revoked' : 'active '}  ${t.name}  (${t.organisation}, region ${t.regionCode || 'all'})`);
        return 0;
      case 'revoke':
        if (!arg) {
          console.error('error: give the token id to revoke');
          return 2;
        }
        console.log((await admin.tokens.revoke(arg, 'cli')) ? `revoked ${arg}` : `no active token ${arg}`);
        return 0;
      default:
        console.log(USAGE);
        return 2;
    }
  } finally {
    await admin.close();
  }
}

async function organisations(command: 'create' | 'list' | 'adopt-default', values: { name?: string | undefined; region?: string | undefined; org?: string | undefined }): Promise<number> {
  if (command === 'adopt-default' && !values.org) {
    console.error('error: --org is required: the organisation to move the default organisation’s records into');
    return 2;
  }
  if (command === 'create') {
    const problems: string[] = [];
    if (!values.name?.trim()) problems.push('--name is required');
    if (values.region === undefined) problems.push('--region is required (a 2-, 4- or 6-digit region code, or "" for the whole country)');
    if (problems.length) {
      console.error(problems.map((p) => `error: ${p}`).join('\n'));
      return 2;
    }
  }
  const admin = await createAdminContainer(loadConfig(process.env));
  try {
    if (command === 'create') {
      const org = await admin.tokens.createOrganisation(values.name!.trim(), values.region!, 'cli');
      console.log(`created organisation "${org.name}" (id ${org.id}), region ${org.regionCode || 'all'}`);
    } else if (command === 'adopt-default') {
      const { organisation, moved } = await admin.tokens.adoptDefault(values.org!, 'cli');
      console.log(`moved into "${organisation.name}": ${Object.entries(moved).map(([k, n]) => `${n} ${k}`).join(', ')}`);
    } else {
      for (const o of await admin.tokens.listOrganisations()) console.log(`${o.id}  ${(o.regionCode || 'all').padEnd(6)}  ${o.name}`);
    }
    return 0;
  } finally {
    await admin.close();
  }
}

async function verifyAudit(): Promise<number> {
  const admin = await createAdminContainer(loadConfig(process.env));
  try {
    const { verdict, unchained, headHash } = await admin.audit.verify();
    const before = unchained ? ` (${unchained} entries precede the chain and are not covered)` : '';
    if (verdict.ok) {
      console.log(`audit trail intact: ${verdict.entries} chained entries, head ${headHash}${before}`);
      return 0;
    }
    console.error(`audit trail broken at position ${verdict.position} (entry id ${verdict.entryId}): ${verdict.problem}${before}`);
    return 1;
  } finally {
    await admin.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A refused request (an unknown organisation, a region outside it) is the caller's to fix.
    if (error instanceof DomainError) {
      console.error(`error: ${error.message}`);
      process.exit(2);
    }
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
